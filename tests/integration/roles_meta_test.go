package integration

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestRoleContracts reads every role in the source tree (no build needed): the options of
// meta/argument_specs.yml are exactly the keys of defaults/main.yml, all named <role>_*; the
// role has meta/main.yml and a README.md; and every task file tasks/main.yml imports is tagged.
func TestRoleContracts(t *testing.T) {
	dirs, err := filepath.Glob(repoFile("roles/*/tasks/main.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Skip("no roles yet")
	}
	for _, main := range dirs {
		role := filepath.Base(filepath.Dir(filepath.Dir(main)))
		t.Run(role, func(t *testing.T) {
			rel := "roles/" + role + "/"
			var defaults map[string]any
			readYAML(t, rel+"defaults/main.yml", &defaults)
			var specs struct {
				ArgumentSpecs map[string]struct {
					Options map[string]any `yaml:"options"`
				} `yaml:"argument_specs"`
			}
			readYAML(t, rel+"meta/argument_specs.yml", &specs)
			spec, ok := specs.ArgumentSpecs["main"]
			if !ok {
				t.Fatalf("%smeta/argument_specs.yml has no main entry point", rel)
			}
			if got, want := keys(spec.Options), keys(defaults); !slices.Equal(got, want) {
				t.Errorf("argument_specs options %v, want the defaults/main.yml keys %v", got, want)
			}
			for _, k := range keys(defaults) {
				if !strings.HasPrefix(k, role+"_") {
					t.Errorf("default %s is not named %s_*", k, role)
				}
			}
			for _, f := range []string{"meta/main.yml", "README.md"} {
				if _, err := os.Stat(repoFile(rel + f)); err != nil {
					t.Errorf("%s%s: %v", rel, f, err)
				}
			}
			var tasks []map[string]any
			readYAML(t, rel+"tasks/main.yml", &tasks)
			for _, task := range allTasks(tasks) {
				if _, imports := task["ansible.builtin.import_tasks"]; imports && task["tags"] == nil {
					t.Errorf("task %q imports %v without tags", task["name"], task["ansible.builtin.import_tasks"])
				}
			}
		})
	}
}

// keys returns the sorted keys of m.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// allTasks flattens block, rescue and always sections.
func allTasks(tasks []map[string]any) []map[string]any {
	var out []map[string]any
	for _, task := range tasks {
		out = append(out, task)
		for _, section := range []string{"block", "rescue", "always"} {
			list, _ := task[section].([]any)
			var inner []map[string]any
			for _, x := range list {
				if m, ok := x.(map[string]any); ok {
					inner = append(inner, m)
				}
			}
			out = append(out, allTasks(inner)...)
		}
	}
	return out
}
