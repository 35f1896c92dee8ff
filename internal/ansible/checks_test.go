package ansible

import (
	"errors"
	"reflect"
	"testing"
)

// Argument shapes for TestRunChecksOnce; each Check counts its calls. The
// embedded types are exported, as embedded options structs are (runChecks
// skips unexported fields).
type (
	ValueCheck   struct{ n *int }
	PointerCheck struct{ n *int }
	// promotes ValueCheck's Check and declares none.
	PromotesValue struct{ ValueCheck }
	// promotes PointerCheck's Check and declares none.
	promotesPointer struct{ PointerCheck }
	// embeds a pointer to a struct with a Check.
	promotesThroughPointer struct{ *ValueCheck }
	// two levels of promotion.
	promotesTwice struct{ PromotesValue }
	// declares its own Check beside the embedded one.
	ownValue struct {
		ValueCheck
		own *int
	}
	ownPointer struct {
		PointerCheck
		own *int
	}
	// a nil embedded pointer: its Check is reached only through promotion.
	nilEmbedded struct{ *PointerCheck }
)

func (c ValueCheck) Check() error    { *c.n++; return nil }
func (c *PointerCheck) Check() error { *c.n++; return nil }
func (o ownValue) Check() error      { *o.own++; return nil }
func (o *ownPointer) Check() error   { *o.own++; return nil }

// TestRunChecksOnce: every Check runs once, whether the outer argument
// struct declares its own or only promotes an embedded struct's (Go
// promotes the method, which used to make it run twice).
func TestRunChecksOnce(t *testing.T) {
	var inner, own int
	tests := []struct {
		name      string
		args      any // a pointer to the argument struct
		wantInner int
		wantOwn   int
	}{
		{"promoted value receiver", &PromotesValue{ValueCheck{&inner}}, 1, 0},
		{"promoted pointer receiver", &promotesPointer{PointerCheck{&inner}}, 1, 0},
		{"promoted through an embedded pointer", &promotesThroughPointer{&ValueCheck{&inner}}, 1, 0},
		{"promoted through two levels", &promotesTwice{PromotesValue{ValueCheck{&inner}}}, 1, 0},
		{"own value receiver", &ownValue{ValueCheck{&inner}, &own}, 1, 1},
		{"own pointer receiver", &ownPointer{PointerCheck{&inner}, &own}, 1, 1},
		{"no embedding", &ValueCheck{&inner}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner, own = 0, 0
			if err := runChecks(reflect.ValueOf(tt.args).Elem(), nil); err != nil {
				t.Fatal(err)
			}
			if inner != tt.wantInner || own != tt.wantOwn {
				t.Errorf("embedded Check ran %d times, own %d; want %d, %d", inner, own, tt.wantInner, tt.wantOwn)
			}
		})
	}
}

// TestPromotedCheck tells a promoted Check from a declared one.
func TestPromotedCheck(t *testing.T) {
	for v, want := range map[any]bool{
		PromotesValue{}: true, promotesPointer{}: true, promotesThroughPointer{}: true, promotesTwice{}: true,
		ownValue{}: false, ownPointer{}: false, ValueCheck{}: false, PointerCheck{}: false, struct{}{}: false,
	} {
		if got := promotedCheck(reflect.TypeOf(v)); got != want {
			t.Errorf("%T: promoted %v, want %v", v, got, want)
		}
	}
}

// TestRunChecksNilEmbedded: a nil embedded pointer is not visited, so the
// Check the outer struct promotes from it still runs (as before).
func TestRunChecksNilEmbedded(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("the promoted Check of a nil embedded pointer did not run")
		}
	}()
	_ = runChecks(reflect.ValueOf(&nilEmbedded{}).Elem(), nil) // (*PointerCheck)(nil).Check dereferences n
	t.Error(errors.New("no panic"))
}
