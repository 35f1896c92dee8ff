package updatetask

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
)

// pollEvery is how often a wait reads the installation queue.
const pollEvery = time.Second

// waitTask reads the queue until the task t ends, for at most wait_timeout
// seconds: Complete is success; Exception, Expired or Canceled fail the
// module with the task's result; running out says the last State.
func waitTask(ctx context.Context, c *ilo.Client, a *Args, res Result, t ilo.UpdateTask) (Result, error) {
	wctx, cancel := context.WithTimeout(ctx, time.Duration(a.WaitTimeout)*time.Second)
	defer cancel()
	for !t.Terminal() {
		select {
		case <-wctx.Done():
			return failed(res, true, &ilo.WaitTimeoutError{What: fmt.Sprintf("task %q (Id %s) to end", t.Name, t.ID), State: t.State})
		case <-time.After(pollEvery):
		}
		queue, err := c.TaskQueue(wctx)
		if err != nil {
			if wctx.Err() != nil && ctx.Err() == nil {
				continue // the deadline hit the request: report the timeout above
			}
			return failed(res, true, fmt.Errorf("wait for task %q: %w", t.Name, err))
		}
		i := slices.IndexFunc(queue, func(q ilo.UpdateTask) bool { return q.ID == t.ID })
		if i < 0 {
			return failed(res, true, fmt.Errorf("task %q (Id %s) left the queue before it ended (deleted by someone else?)", t.Name, t.ID))
		}
		t = queue[i]
		res.Task = taskOf(t)
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
