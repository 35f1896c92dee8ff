package rollout

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/fwplan/iloplan"
)

// plan makes the plan (first call), finds what the repository lacks and
// checks that each such file can be sent. In check mode, or when nothing
// is to be installed, the iLO is finished.
func (r *run) plan(ctx context.Context) error {
	c, err := r.client(ctx)
	if err != nil {
		return err
	}
	srv, p, err := iloplan.Make(ctx, c, r.cat.Index, fwplan.Options{AllowDowngrade: r.opt.AllowDowngrade})
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	t := time.Now()
	r.st.Started, r.st.StartedAt = now(), t.UTC().Format("2006-01-02T15:04:05Z")
	r.st.Plan, r.st.Files, r.st.Server = p.Plan, p.Files, srv
	r.st.ServerAfter = &srv
	r.planned = true
	if len(p.Files) == 0 {
		r.finish(PhaseDone, planSummary(p))
		return nil
	}
	repo, err := c.Repository(ctx)
	if err != nil {
		return err
	}
	var missing, unsendable []string
	for _, f := range p.Files {
		if repo.Find(f.File) != nil {
			continue
		}
		missing = append(missing, f.File)
		if f.Path == nil && r.opt.CatalogURL == "" {
			unsendable = append(unsendable, f.File)
		}
	}
	if len(unsendable) > 0 && r.opt.Stage {
		return fmt.Errorf("the catalog names %s without a local file: give catalog_url, where the iLO can download them, or put the files in the catalog folder",
			strings.Join(unsendable, ", "))
	}
	if r.opt.CheckMode {
		what := fmt.Sprintf("would install %d file(s)", len(p.Files))
		switch {
		case len(missing) == 0:
			what += ", all in the iLO Repository"
		case !r.opt.Stage:
			what += fmt.Sprintf("; the iLO Repository lacks %s (stage: false)", strings.Join(missing, ", "))
		case r.opt.CatalogURL != "":
			what += fmt.Sprintf("; would have the iLO download %s from %s", strings.Join(missing, ", "), r.opt.CatalogURL)
		default:
			what += fmt.Sprintf("; would upload %s", strings.Join(missing, ", "))
		}
		// Check mode reports the change a real run would make (it writes
		// nothing): staging, the install set and its invocation.
		r.wrote = len(p.Files) > 0
		r.finish(PhasePlanned, what)
		return nil
	}
	r.st.Phase = PhaseInstallSet
	if r.opt.Stage && len(missing) > 0 {
		r.st.Phase = PhaseStage
	}
	r.st.Line = r.line(planSummary(p))
	return nil
}

// planSummary is the plan in a few words.
func planSummary(p fwplan.Plan) string {
	if len(p.Files) == 0 {
		if p.Compliant {
			return "compliant: nothing to install"
		}
		return fmt.Sprintf("nothing the catalog can install (%d blocked)", p.Summary[fwplan.Blocked])
	}
	return fmt.Sprintf("planned: %d file(s) to install", len(p.Files))
}

// PlanLines is the plan as the role's plan header and plan_lines.j2 showed
// it: a header, then one line per inventory item — what it installs first
// (in install order), then the rest, items the catalog lacks last.
func PlanLines(st State) []string {
	header := fmt.Sprintf("%s %s, iLO %d %s: %d file(s) to install", orQ(st.Server.Model), orQ(st.Server.Serial),
		st.Server.ILOGeneration, orQ(st.Server.ILOFirmware), len(st.Files))
	if isCompliant(st) {
		header += ", compliant"
	}
	out := []string{header}
	var first, rest, absent []fwplan.Step
	for _, p := range st.Plan {
		switch {
		case p.Install:
			first = append(first, p)
		case p.Action == fwplan.NotInCatalog:
			absent = append(absent, p)
		default:
			rest = append(rest, p)
		}
	}
	slices.SortStableFunc(first, func(a, b fwplan.Step) int { return a.Order - b.Order })
	for _, p := range slices.Concat(first, rest, absent) {
		s := "- "
		if p.Install {
			s = fmt.Sprintf("%d. ", p.Order)
		}
		s += itemName(p.Name, p.DeviceContext) + ": " + orDash(p.CurrentVersion)
		if p.TargetVersion != nil && *p.TargetVersion != "" {
			s += " -> " + *p.TargetVersion
		}
		s += ", " + p.Action
		if p.Install {
			s += " " + deref(p.File)
			if p.RebootRequired {
				s += " [reboot]"
			}
		} else if p.Action != fwplan.Current && p.Action != fwplan.NotInCatalog && p.Reason != "" {
			s += " (" + p.Reason + ")"
		}
		out = append(out, s)
	}
	return out
}

// isCompliant is the plan's compliant: nothing to install, nothing blocked.
func isCompliant(st State) bool {
	if len(st.Files) > 0 {
		return false
	}
	for _, p := range st.Plan {
		if p.Action == fwplan.Blocked {
			return false
		}
	}
	return true
}

// itemName is "name (context)", both cut for a terminal.
func itemName(name, context string) string {
	s := cut(name, 32)
	if context != "" {
		s += " (" + cut(context, 20) + ")"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orQ(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
