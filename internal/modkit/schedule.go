package modkit

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fleetfw/ilo/internal/ilo"
)

// Schedule options (start_after, expire) are Redfish date-times or times
// relative to the iLO's clock: "now", "+30m", "+2h", "+1d", "+1d6h". What
// needs no iLO is checked in Args.Check (CheckSchedule); a relative time is
// resolved against the iLO's clock, read once (Clock), only when a module
// writes it.

// reRelative is a duration relative to the iLO's clock.
var (
	reRelative     = regexp.MustCompile(`^\+((\d+[dhms])+)$`)
	reRelativePart = regexp.MustCompile(`(\d+)([dhms])`)
)

// maxRelative is the furthest a relative time may reach.
const maxRelative = 10 * 365 * 24 * time.Hour

var relativeUnits = map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}

// ParseTime reads a Redfish date-time (Edm.DateTimeOffset): RFC 3339 with
// "Z" or a UTC offset, fractional seconds allowed, returned in UTC. A time
// without a zone is refused: iLOrest reads it in "the current time zone",
// and whose that is cannot be told.
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
// followed by one or more <n><unit> with units d, h, m, s ("+1d6h"), at most
// ten years ahead. It returns false when s is not relative (it may then be a
// date-time).
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
		unit := relativeUnits[p[2]]
		// Checked before multiplying and adding: "+110000d" overflows a Duration.
		if err != nil || time.Duration(n) > maxRelative/unit || d+time.Duration(n)*unit > maxRelative {
			return 0, true, fmt.Errorf("relative time %q is more than ten years ahead", s)
		}
		d += time.Duration(n) * unit
	}
	return d, true, nil
}

// IsRelativeTime reports whether s is written relative to the iLO's clock.
func IsRelativeTime(s string) bool {
	_, rel, _ := ParseRelative(s)
	return rel
}

// CheckTime validates a schedule option without the iLO. Empty is valid
// (not given).
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

// CheckOrder validates, without the iLO, that expire comes after
// start_after when both are date-times or both are relative (a mixed pair
// is checked once resolved, by Clock.CheckTimes). Empty values pass.
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

// CheckSchedule validates a start_after and expire pair without the iLO:
// the syntax of each and their order. Empty values pass.
func CheckSchedule(startAfter, expire string) error {
	for _, o := range []struct{ name, value string }{{"start_after", startAfter}, {"expire", expire}} {
		if err := CheckTime(o.value); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
	}
	return CheckOrder(startAfter, expire)
}

// CheckLength reports an option value longer than max characters, the
// iLO's limit for that option.
func CheckLength(option, value string, max int) error {
	if n := utf8.RuneCountInString(value); n > max {
		return fmt.Errorf("%s is %d characters long; iLO takes at most %d", option, n, max)
	}
	return nil
}

// Absolute returns a date-time option in iLO's form ("" when it is not
// given, relative, or not a date-time): what a module compares with the
// iLO's value, since a relative time was resolved when it was written.
func Absolute(opt string) string {
	if opt == "" || IsRelativeTime(opt) {
		return ""
	}
	t, err := ParseTime(opt)
	if err != nil {
		return ""
	}
	return ilo.FormatTime(t)
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

// Clock is the iLO's clock, the reference of relative times, read once
// when first needed (a module that resolves nothing relative never reads it).
type Clock struct {
	read func(context.Context) (time.Time, error)
	now  time.Time
}

// NewClock returns a Clock that reads the time with read (a client's Clock).
func NewClock(read func(context.Context) (time.Time, error)) *Clock { return &Clock{read: read} }

// Now returns the iLO's time, reading it on the first call.
func (k *Clock) Now(ctx context.Context) (time.Time, error) {
	if k.now.IsZero() {
		t, err := k.read(ctx)
		if err != nil {
			return time.Time{}, err
		}
		k.now = t.UTC()
	}
	return k.now, nil
}

// Read returns the iLO's time as it was read, for a result's ilo_time
// ("" when the clock was not needed).
func (k *Clock) Read() string {
	if k.now.IsZero() {
		return ""
	}
	return ilo.FormatTime(k.now)
}

// Resolve returns the iLO date-time a schedule option asks for ("" when not
// given): a relative time is added to the iLO's clock, a date-time is
// written in iLO's form.
func (k *Clock) Resolve(ctx context.Context, opt string) (string, error) {
	if opt == "" {
		return "", nil
	}
	d, rel, err := ParseRelative(opt)
	if err != nil {
		return "", err
	}
	if !rel {
		t, err := ParseTime(opt)
		if err != nil {
			return "", err
		}
		return ilo.FormatTime(t), nil
	}
	now, err := k.Now(ctx)
	if err != nil {
		return "", err
	}
	return ilo.FormatTime(now.Add(d).Truncate(time.Second)), nil
}

// CheckTimes checks iLO date-times about to be written: expire after
// start_after, and in the future by the iLO's clock. No expire passes; a
// value that does not parse is left for the iLO to judge.
func (k *Clock) CheckTimes(ctx context.Context, start, expire string) error {
	if expire == "" {
		return nil
	}
	e, err := time.Parse(time.RFC3339, expire)
	if err != nil {
		return nil
	}
	if s, err := time.Parse(time.RFC3339, start); err == nil && !e.After(s) {
		return fmt.Errorf("expire (%s) must be after start_after (%s)", expire, start)
	}
	now, err := k.Now(ctx)
	if err != nil {
		return err
	}
	if !e.After(now) {
		return fmt.Errorf("expire (%s) is not in the future by the iLO's clock (%s)", expire, ilo.FormatTime(now))
	}
	return nil
}

// WindowID returns the Id of the maintenance window a module's
// maintenance_window option names: by Name, else by Id (a name wins). The
// error names the windows the iLO has.
func WindowID(ctx context.Context, c *ilo.Client, nameOrID string) (string, error) {
	ws, err := c.MaintenanceWindows(ctx)
	if err != nil {
		return "", err
	}
	for _, match := range []func(ilo.MaintenanceWindow) bool{
		func(w ilo.MaintenanceWindow) bool { return w.Name == nameOrID },
		func(w ilo.MaintenanceWindow) bool { return w.ID == nameOrID },
	} {
		for _, w := range ws {
			if match(w) {
				return w.ID, nil
			}
		}
	}
	have := "none (create one with fleetfw.ilo.maintenance_window)"
	if len(ws) > 0 {
		names := make([]string, 0, len(ws))
		for _, w := range ws {
			names = append(names, fmt.Sprintf("%q (%s)", w.Name, w.ID))
		}
		have = strings.Join(names, ", ")
	}
	return "", fmt.Errorf("maintenance_window %q: no window has this name or Id; the iLO has %s", nameOrID, have)
}
