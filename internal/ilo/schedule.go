package ilo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TimeFormat is how iLO writes times (reference §7): "2026-11-23T10:00:00Z".
const TimeFormat = "2006-01-02T15:04:05Z"

// FormatTime writes t the way iLO does, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// reRelative is a duration relative to the iLO's clock: "+2h", "+1d",
// "+30m", "+1d12h", "+90s".
var reRelative = regexp.MustCompile(`^\+((\d+[dhms])+)$`)

var reRelativePart = regexp.MustCompile(`(\d+)([dhms])`)

// maxRelative is the furthest a relative time may reach.
const maxRelative = 10 * 365 * 24 * time.Hour

// ParseTime reads a Redfish date-time (Edm.DateTimeOffset): RFC 3339 with
// "Z" or a UTC offset, fractional seconds allowed. A time without a zone is
// refused: iLOrest reads it in "the current time zone", which is whose?
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if _, e := time.Parse("2006-01-02T15:04:05", s); e == nil {
			return time.Time{}, fmt.Errorf("date-time %q has no time zone: add Z for UTC (%sZ) or an offset such as +01:00", s, s)
		}
		return time.Time{}, fmt.Errorf("%q is not a Redfish date-time (YYYY-MM-DDThh:mm:ssZ) nor a time relative to the iLO clock (+30m, +2h, +1d, +1d6h)", s)
	}
	return t.UTC(), nil
}

// ParseRelative reads a time relative to the iLO's clock: "now", or "+"
// followed by one or more <n><unit> with units d, h, m, s ("+1d6h"). It
// returns false when s is not relative (it may then be a date-time).
func ParseRelative(s string) (time.Duration, bool, error) {
	if s == "now" {
		return 0, true, nil
	}
	if !strings.HasPrefix(s, "+") {
		return 0, false, nil
	}
	if !reRelative.MatchString(s) {
		return 0, true, fmt.Errorf("%q is not a relative time: write +<n><unit>… with units d, h, m, s, such as +30m, +2h, +1d, +1d6h", s)
	}
	var d time.Duration
	for _, p := range reRelativePart.FindAllStringSubmatch(s, -1) {
		n, err := strconv.ParseInt(p[1], 10, 32)
		if err != nil {
			return 0, true, fmt.Errorf("relative time %q: %w", s, err)
		}
		unit := map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}[p[2]]
		// Checked before multiplying and adding: "+110000d" overflows a Duration (found by FuzzParseRelative).
		if time.Duration(n) > maxRelative/unit || d+time.Duration(n)*unit > maxRelative {
			return 0, true, fmt.Errorf("relative time %q is more than ten years ahead", s)
		}
		d += time.Duration(n) * unit
	}
	if d > maxRelative {
		return 0, true, fmt.Errorf("relative time %q is more than ten years ahead", s)
	}
	return d, true, nil
}

// CheckTime validates a schedule option without the iLO: a Redfish
// date-time or a time relative to the iLO's clock. Empty is valid (not given).
func CheckTime(s string) error {
	if s == "" {
		return nil
	}
	if _, rel, err := ParseRelative(s); rel {
		return err
	}
	_, err := ParseTime(s)
	return err
}

// ResolveTime turns a schedule option into a time: a relative one is added
// to now (the iLO's clock), a date-time is parsed.
func ResolveTime(s string, now time.Time) (time.Time, error) {
	d, rel, err := ParseRelative(s)
	if err != nil {
		return time.Time{}, err
	}
	if rel {
		return now.UTC().Add(d).Truncate(time.Second), nil
	}
	return ParseTime(s)
}

// IsRelativeTime reports whether s is written relative to the iLO's clock.
func IsRelativeTime(s string) bool {
	_, rel, _ := ParseRelative(s)
	return rel
}

// SameTime reports whether two iLO date-times are the same instant; an
// unparsable value equals nothing but an identical string.
func SameTime(a, b string) bool {
	if a == b {
		return true
	}
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

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

// FindMaintenanceWindow returns the window whose Name, else whose Id, is
// nameOrID, or nil.
func FindMaintenanceWindow(ws []MaintenanceWindow, nameOrID string) *MaintenanceWindow {
	for i := range ws {
		if ws[i].Name == nameOrID {
			return &ws[i]
		}
	}
	for i := range ws {
		if ws[i].ID == nameOrID {
			return &ws[i]
		}
	}
	return nil
}

// IsForbidden reports whether err is a 403 from the iLO: the account lacks
// a privilege (Base.InsufficientPrivilege) or a licence.
func IsForbidden(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusForbidden
}

// UpdateUpdateTask changes a queued task in place: PATCH {task.URI} with
// If-Match set to the ETag it was read with (read again when it has none),
// then GET the task. Every setting of n is sent, booleans included, except
// an empty MaintenanceWindow, StartAfter or Expire; Name is not sent.
func (c *Client) UpdateUpdateTask(ctx context.Context, t UpdateTask, n NewUpdateTask) (UpdateTask, error) {
	b, err := newBody().
		set(pathUTCommand, n.Command).
		setIf(n.Filename != "", pathUTFilename, n.Filename).
		setIf(len(n.UpdatableBy) > 0, pathUTUpdatableBy, n.UpdatableBy).
		setIf(n.StartAfter != "", pathUTStartAfter, n.StartAfter).
		setIf(n.Expire != "", pathUTExpire, n.Expire).
		setIf(n.MaintenanceWindow != "", pathUTMaintenanceWindow, n.MaintenanceWindow).
		set(pathUTTPMOverride, n.TPMOverride).
		set(pathUTRecoverySet, n.UpdateRecoverySet).
		setIf(n.Command == "Wait", pathUTWaitTime, n.WaitTimeSeconds).
		bytes()
	if err != nil {
		return UpdateTask{}, fmt.Errorf("update task %q: %w", t.Name, err)
	}
	if _, err := c.patchResource(ctx, t.URI, t.ETag, b); err != nil {
		return UpdateTask{}, fmt.Errorf("update task %q: %w", t.Name, err)
	}
	r, err := c.getObject(ctx, t.URI)
	if err != nil {
		return UpdateTask{}, fmt.Errorf("update task %q: %w", t.Name, err)
	}
	return ParseUpdateTask(r.body)
}

// CheckOrder validates, without the iLO, that expire comes after
// start_after when both are date-times or both are relative to the iLO's
// clock (a mixed pair is checked once resolved). Empty values pass.
func CheckOrder(start, expire string) error {
	if start == "" || expire == "" {
		return nil
	}
	ds, relS, errS := ParseRelative(start)
	de, relE, errE := ParseRelative(expire)
	if errS != nil || errE != nil || relS != relE {
		return nil
	}
	if relS {
		if de <= ds {
			return fmt.Errorf("expire (%s) must be after start_after (%s)", expire, start)
		}
		return nil
	}
	s, errS := ParseTime(start)
	e, errE := ParseTime(expire)
	if errS == nil && errE == nil && !e.After(s) {
		return fmt.Errorf("expire (%s) must be after start_after (%s)", expire, start)
	}
	return nil
}
