package updatetask

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// pollEvery is how often a wait reads the installation queue.
const pollEvery = time.Second

// waitTask reads the queue until the task t ends, for at most wait_timeout
// seconds: Complete is success; Exception, Expired or Canceled fail the
// module with the task's result; running out says the last State.
func waitTask(ctx context.Context, c *ilo.Client, a *Args, res Result, t ilo.UpdateTask) (Result, error) {
	wctx, cancel := context.WithTimeout(ctx, time.Duration(a.WaitTimeout)*time.Second)
	defer cancel()
	_, err := c.Poll(wctx, ilo.Pace{First: pollEvery, Every: pollEvery}, ilo.ResetFails, func(ctx context.Context, n ilo.PollResult) (ilo.Reading, error) {
		if n.Readings == 0 || t.Terminal() {
			return ilo.Reading{Done: t.Terminal()}, nil // the task as present left it
		}
		queue, err := c.TaskQueue(ctx)
		if err != nil {
			return ilo.Reading{}, fmt.Errorf("wait for task %q: %w", t.Name, err)
		}
		i := slices.IndexFunc(queue, func(q ilo.UpdateTask) bool { return q.ID == t.ID })
		if i < 0 {
			return ilo.Reading{}, fmt.Errorf("task %q (Id %s) left the queue before it ended (deleted by someone else?)", t.Name, t.ID)
		}
		t = queue[i]
		res.Task = taskOf(t)
		return ilo.Reading{Done: t.Terminal()}, nil
	})
	var pt *ilo.PollTimeout
	switch {
	case errors.As(err, &pt) && ctx.Err() == nil:
		return failed(res, true, &ilo.WaitTimeoutError{What: fmt.Sprintf("task %q (Id %s) to end", t.Name, t.ID), State: t.State, Limit: modkit.OptionNames.WaitLimit})
	case err != nil:
		return failed(res, true, err)
	}
	if t.State != ilo.TaskComplete {
		why := ""
		if t.Result != nil {
			why = ": " + t.Result.String()
		}
		return failed(res, true, fmt.Errorf("task %q ended %s%s", t.Name, t.State, why))
	}
	res.Msg += "; it ended Complete"
	return res, nil
}
