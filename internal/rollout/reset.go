package rollout

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/ilo"
)

// restart sends ComputerSystem.Reset (GracefulRestart, or ForceRestart for
// reboot force; On when the server is off, whose boot activates the items
// as well) to the first system of the iLO (a ProLiant has one). A reset type
// the system does not list is refused before any request.
func (r *run) restart(ctx context.Context, c *ilo.Client) error {
	resetType := "GracefulRestart"
	if r.opt.Reboot == RebootForce {
		resetType = "ForceRestart"
	}
	systems, err := c.Systems(ctx)
	if err != nil {
		return err
	}
	if len(systems) == 0 {
		return fmt.Errorf("the iLO's Systems collection has no member: no server to restart")
	}
	s := systems[0]
	if s.PowerState == "Off" { // a server that is off boots with On (a restart is refused)
		resetType = "On"
	}
	if len(s.ResetTypes) > 0 && !slices.Contains(s.ResetTypes, resetType) {
		return fmt.Errorf("the system %s does not offer reset type %s (it offers %s)", s.URI, resetType, strings.Join(s.ResetTypes, ", "))
	}
	r.wrote = true
	if err := c.ResetSystem(ctx, s, resetType); err != nil {
		return fmt.Errorf("restart the server (%s): %w", resetType, err)
	}
	return nil
}
