// Command noopvalidator is the no-op module plus what the collection's
// module framework pays for github.com/go-playground/validator/v10: the
// package's initialisation and one validator.New() and Struct() call. The
// benchmark compares its size and run time with bench/noop to price the
// dependency.
package main

import (
	"os"

	"github.com/go-playground/validator/v10"
)

// args is a tiny options struct with the kind of tags the modules use.
type args struct {
	Name  string `validate:"required,max=64"`
	State string `validate:"oneof=present absent"`
}

func main() {
	if len(os.Args) < 2 {
		os.Stdout.WriteString(`{"failed": true, "msg": "noopvalidator: no arguments file"}` + "\n")
		os.Exit(1)
	}
	if _, err := os.ReadFile(os.Args[1]); err != nil {
		os.Stdout.WriteString(`{"failed": true, "msg": "noopvalidator: read arguments file"}` + "\n")
		os.Exit(1)
	}
	if err := validator.New().Struct(args{Name: "x", State: "present"}); err != nil {
		os.Stdout.WriteString(`{"failed": true, "msg": "noopvalidator: validate"}` + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(`{"changed": false}` + "\n")
}
