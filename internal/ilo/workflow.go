package ilo

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// Steps the queue-editing modules (maintenance_window, update_task,
// install_set) take alike, around the requests themselves.

// CheckSchedule validates, without the iLO, a start_after and expire pair:
// the syntax of each (CheckTime) and their order (CheckOrder). Empty values
// pass.
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

// ConnectHiding is Connect that hands every session token to hide (which
// keeps it out of the module's output) as soon as the iLO issues it: the
// first login, a re-login after a 401, a Reconnect after an iLO reset.
func ConnectHiding(ctx context.Context, a ConnArgs, hide func(string), opts ...Option) (*Client, error) {
	return Connect(ctx, a, append(opts, WithHide(hide))...)
}

// CloseWarning is Close for a deferred call: a failure to log out goes to
// warn (the run's result stands) instead of being returned.
func (c *Client) CloseWarning(ctx context.Context, warn func(format string, args ...any)) {
	if err := c.Close(ctx); err != nil {
		warn("%v", err)
	}
}
