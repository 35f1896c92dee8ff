package ilo

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TimeFormat is how iLO writes times (reference §7): "2026-11-23T10:00:00Z".
const TimeFormat = "2006-01-02T15:04:05Z"

// FormatTime writes t the way iLO does, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// Clock reads the iLO's clock, the reference of every schedule:
// UpdateService Oem.Hpe.CurrentTime (GET {root.UpdateService}).
func (c *Client) Clock(ctx context.Context) (time.Time, error) {
	us, err := c.UpdateService(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the iLO clock: %w", err)
	}
	if us.CurrentTime == "" {
		return time.Time{}, errors.New("read the iLO clock: the update service has no Oem.Hpe.CurrentTime")
	}
	t, err := time.Parse(time.RFC3339Nano, us.CurrentTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the iLO clock: Oem.Hpe.CurrentTime %q: %w", us.CurrentTime, err)
	}
	return t.UTC(), nil
}
