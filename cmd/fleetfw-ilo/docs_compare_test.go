package main

import (
	"context"
	"slices"
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
)

type docConn struct {
	BaseURI  string `json:"baseuri" validate:"required"`
	Password string `json:"password" no_log:"true" env:"T_PASSWORD"`
	Timeout  int    `json:"timeout" default:"30"`
}

type docPart struct {
	Name string `json:"name" validate:"required"`
	Kind string `json:"kind" default:"firmware" validate:"oneof=firmware software"`
}

type docArgs struct {
	docConn
	State  string    `json:"state" default:"present" validate:"oneof=present absent"`
	Subset []string  `json:"subset" default:"all" validate:"dive,oneof=all firmware"`
	Ratio  float64   `json:"ratio" default:"0.5"`
	Force  bool      `json:"force" aliases:"f"`
	Parts  []docPart `json:"parts"`
}

func docRun(context.Context, *ansible.Run, *docArgs) (struct{}, error) { return struct{}{}, nil }

// TestCheckCollection runs the comparer on testdata: good.py matches its
// module, bad.py is wrong in every way the comparer knows, orphan.py has no
// module, misnamed.py names another module, and one module has no stub.
func TestCheckCollection(t *testing.T) {
	mods := []ansible.Module{
		ansible.New("good", docRun),
		ansible.New("bad", docRun),
		ansible.New("misnamed", docRun),
		ansible.New("undocumented", docRun),
	}
	got := checkCollection("testdata/collection", mods)
	want := []string{
		"bad: option baseuri: type is str in the module, int in the documentation",
		"bad: option password: no_log is true in the module, false in the documentation (say C(no_log) in its description)",
		"bad: option password: falls back to environment variable T_PASSWORD, which its description does not mention as C(T_PASSWORD)",
		"bad: option timeout is in the module but not documented",
		`bad: option state: choices are ["absent", "present"] in the module, ["absnt", "present"] in the documentation`,
		`bad: option subset: elements is "str" in the module, "" in the documentation`,
		`bad: option subset: default is ["all"] in the module, ["firmware"] in the documentation`,
		"bad: option ratio: default is 0.5 in the module, 1 in the documentation",
		`bad: option force: aliases are ["f"] in the module, [] in the documentation`,
		"bad option parts: option name: required is true in the module, false in the documentation",
		`bad option parts: option kind: default is "firmware" in the module, "software" in the documentation`,
		"bad: option color is documented but not in the module",
		`plugins/modules/misnamed.py: module: is "othername", want "misnamed"`,
		"misnamed: option baseuri is in the module but not documented",
		"misnamed: option password is in the module but not documented",
		"misnamed: option timeout is in the module but not documented",
		"misnamed: option state is in the module but not documented",
		"misnamed: option subset is in the module but not documented",
		"misnamed: option ratio is in the module but not documented",
		"misnamed: option force is in the module but not documented",
		"misnamed: option parts is in the module but not documented",
		"module undocumented has no doc stub plugins/modules/undocumented.py",
		"plugins/modules/orphan.py documents module orphan, which the binary does not have (add it to cmd/fleetfw-ilo/modules.go)",
	}
	slices.Sort(got)
	slices.Sort(want)
	for _, w := range want {
		if _, found := slices.BinarySearch(got, w); !found {
			t.Errorf("missing problem: %s", w)
		}
	}
	for _, g := range got {
		if _, found := slices.BinarySearch(want, g); !found {
			t.Errorf("unexpected problem: %s", g)
		}
	}
}
