//go:build integration

package integration

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Issue 16: no version comparison or device matching left in Jinja. fleetfw.ilo.firmware_plan
// (internal/fwversion, internal/fwplan) is the one place that compares versions and applies a
// catalog entry to an inventory item; the roles and playbooks read its result. TestNoVersionsInJinja
// scans the Jinja of roles/ and playbooks/ for the ways a version gets compared or a device
// matched by hand.

// jinjaRules are the patterns; each says why it is refused.
var jinjaRules = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`\bis\s+version\b|\bversion(_compare)?\s*\(`), "the version test compares versions"},
	{regexp.MustCompile(`split\(\s*['"]\.['"]\s*\)`), "splitting on dots takes a version apart"},
	{regexp.MustCompile(`\.(startswith|endswith)\s*\(`), "prefix or suffix matching of a version or a name"},
	{regexp.MustCompile(`version\w*['"\])]*\s*\|\s*(int|float)\b`), "a version made a number"},
	{regexp.MustCompile(`version\w*['"\])]*\s*(==|!=|<=|>=|<|>)|(==|!=|<=|>=|<|>)\s*[\w.]*version\b`), "a version compared"},
	{regexp.MustCompile(`\btargets?\b\W*\s+(not\s+)?in\b|\bin\s+[\w.]*\.targets\b|selectattr\(\s*['"](targets|device_class)['"]`), "a device matched by its targets or device class"},
	{regexp.MustCompile(`device_class[^}%]*\|\s*(lower|upper)\b`), "a device matched by its device class"},
}

// jinjaAllowed are the known uses the rules flag that compare no versions: file (slash-separated,
// from the repository root) and a piece of the flagged text.
var jinjaAllowed = []struct{ file, text, why string }{}

var (
	jinjaComment = regexp.MustCompile(`(?s)\{#.*?#\}`)
	jinjaSegment = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}`)
)

// jinjaFindings scans one file's text and returns "line: text (why)" for every flagged use.
// In a template (.j2) only what is between Jinja delimiters counts; in YAML every line that is
// not a comment (when:, that: and the like are Jinja without delimiters).
func jinjaFindings(name, text string) []string {
	text = jinjaComment.ReplaceAllStringFunc(text, func(c string) string {
		return strings.Repeat("\n", strings.Count(c, "\n")) // keep the line numbers
	})
	type piece struct {
		at   int
		text string
	}
	var pieces []piece
	if strings.HasSuffix(name, ".j2") {
		for _, m := range jinjaSegment.FindAllStringIndex(text, -1) {
			pieces = append(pieces, piece{m[0], text[m[0]:m[1]]})
		}
	} else {
		at := 0
		for _, line := range strings.SplitAfter(text, "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
				pieces = append(pieces, piece{at, line})
			}
			at += len(line)
		}
	}
	var out []string
	for _, p := range pieces {
		for _, r := range jinjaRules {
			for _, m := range r.re.FindAllStringIndex(p.text, -1) {
				pos := p.at + m[0]
				start := strings.LastIndex(text[:pos], "\n") + 1
				lineText, _, _ := strings.Cut(text[start:], "\n")
				line := 1 + strings.Count(text[:pos], "\n")
				out = append(out, strings.TrimSpace(lineText)+"\x00"+r.why+"\x00"+strconv.Itoa(line))
			}
		}
	}
	return out
}

// TestJinjaRules proves the scanner: the Jinja this issue removed from firmware_report is
// flagged, what the roles do now (reading the plan's result) is not.
func TestJinjaRules(t *testing.T) {
	cases := []struct {
		name, file, text string
		flagged          bool
	}{
		{"old prefix/suffix match", "server.json.j2", "{{- (inv == want or inv.startswith(want ~ ' ') or inv.endswith(' ' ~ want)) | ternary('yes', '') -}}", true},
		{"old device class match", "server.json.j2", "{%- for c in queued if c.device_class | default('') | lower == items[0].device_class | default('') | lower -%}", true},
		{"version test", "x.j2", "{% if f.version is version('2.70', '>=') %}", true},
		{"version test in yaml", "tasks.yml", "  when: ilo_fw is version('2.70', '<')", true},
		{"split on dots", "x.j2", "{% set major = f.version.split('.')[0] | int %}", true},
		{"split filter on dots", "x.j2", "{% set parts = f.version | split('.') %}", true},
		{"version as a number", "x.j2", "{{ f.current_version | float }}", true},
		{"version compared", "x.j2", "{% if item.version != b.version %}", true},
		{"version compared, right side", "t.yml", "      - b.version == inv_version", true},
		{"target membership", "x.j2", "{% for e in repo if guid in e.targets %}", true},
		{"select by device class", "x.j2", "{{ inv | selectattr('device_class', 'equalto', c.device_class) | list }}", true},
		{"the plan's word", "x.j2", "{%- set behind = items | rejectattr('action', 'equalto', 'current') | list -%}", false},
		{"a version shown", "x.j2", "<td class=\"ver\">{{ d.current | e }}{% if d.action != 'current' %} &rarr; {{ d.target | e }}{% endif %}</td>", false},
		{"a version copied", "x.j2", "{%- set _ = catalog.update({'x': {'version': b.version, 'deviceclass': items[0].device_class | default('')}}) -%}", false},
		{"HTML outside Jinja", "x.j2", "<th>version</th><td>{{ s.host }}</td>", false},
		{"a comment", "x.j2", "{#- a version compared: inv.version == want -#}", false},
		{"a yaml comment", "t.yml", "# when: f.version is version('1', '>')", false},
		{"a number that is no version", "t.yml", "      - firmware_baseline_poll_interval | int >= 1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := jinjaFindings(c.file, c.text)
			if (len(got) > 0) != c.flagged {
				t.Errorf("%q: flagged %v, want %v (%q)", c.text, len(got) > 0, c.flagged, got)
			}
		})
	}
}

// TestNoVersionsInJinja fails when a role, a template or a playbook compares versions or
// matches devices itself instead of reading fleetfw.ilo.firmware_plan's result.
func TestNoVersionsInJinja(t *testing.T) {
	root := filepath.Join("..", "..")
	scanned := 0
	for _, dir := range []string{"roles", "playbooks"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == filepath.Join(root, dir) {
					return filepath.SkipDir
				}
				return err
			}
			if d.IsDir() || !(strings.HasSuffix(p, ".j2") || strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				return nil
			}
			if strings.Contains(filepath.ToSlash(p), "/meta/") { // documentation, no Jinja
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			scanned++
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
		finding:
			for _, f := range jinjaFindings(p, string(b)) {
				parts := strings.SplitN(f, "\x00", 3)
				for _, a := range jinjaAllowed {
					if a.file == rel && strings.Contains(parts[0], a.text) {
						continue finding
					}
				}
				t.Errorf("%s:%s: %s: %s; let fleetfw.ilo.firmware_plan decide and read its result", rel, parts[2], parts[1], parts[0])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if scanned < 10 {
		t.Fatalf("scanned %d files under roles/ and playbooks/; the layout moved?", scanned)
	}
}
