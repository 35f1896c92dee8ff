package rollout

import (
	"context"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/fleetfw/ilo/internal/ilo"
)

// restart sends ComputerSystem.Reset (GracefulRestart, or ForceRestart for
// reboot force) to the first member of the root's Systems collection, as
// fleetfw.ilo.server_reset does (its system lookup is unexported there;
// this is the least of it: no system_id, no allowed-types check).
func (r *run) restart(ctx context.Context, c *ilo.Client) error {
	resetType := "GracefulRestart"
	if r.opt.Reboot == RebootForce {
		resetType = "ForceRestart"
	}
	coll := c.Root().Systems
	if coll == "" {
		return errors.New("the iLO's service root links no Systems collection: no server to restart")
	}
	b, err := c.Get(ctx, coll)
	if err != nil {
		return fmt.Errorf("read the Systems collection: %w", err)
	}
	uri := gjson.GetBytes(b, `Members.0.@odata\.id`).String()
	if uri == "" {
		return fmt.Errorf("the Systems collection %s has no member: no server to restart", coll)
	}
	if b, err = c.Get(ctx, uri); err != nil {
		return fmt.Errorf("read the system: %w", err)
	}
	target := gjson.GetBytes(b, `Actions.\#ComputerSystem\.Reset.target`).String()
	if target == "" {
		return fmt.Errorf("the system %s offers no ComputerSystem.Reset action", uri)
	}
	body, err := sjson.SetBytes([]byte("{}"), "ResetType", resetType)
	if err != nil {
		return err
	}
	r.wrote = true
	if _, err := c.Post(ctx, target, body); err != nil {
		return fmt.Errorf("restart the server (%s): %w", resetType, err)
	}
	return nil
}
