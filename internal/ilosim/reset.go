package ilosim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// iloResetConfig is how the iLO behaves after flashing its own firmware
// (options WithILOResetDelay and WithILOReset, Profile.ILOResetDelay and
// ILONoReset). The faults ilo_reset_delay_seconds, ilo_reset and
// ilo_reset_dark_seconds override it at run time.
type iloResetConfig struct {
	delay    time.Duration
	delaySet bool
	off      bool
}

// iloResetDelayLocked is how long State reads Complete before the reset.
func (i *ILO) iloResetDelayLocked() time.Duration {
	if f := i.faults.ILOResetDelaySeconds; f != nil {
		return seconds(*f)
	}
	return i.iloReset.delay
}

// iloResetOffLocked reports whether an iLO flash skips the reset.
func (i *ILO) iloResetOffLocked() bool {
	if f := i.faults.ILOReset; f != nil {
		return !*f
	}
	return i.iloReset.off
}

// iloResetDarkLocked is how long the self-flash reset keeps the iLO dark.
func (i *ILO) iloResetDarkLocked() time.Duration {
	if f := i.faults.ILOResetDarkSeconds; f != nil {
		return seconds(*f)
	}
	return i.darkTime
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// flashErrorLocked returns the failure a flash of filename ends in when the
// flash_error fault names it (or "*"): iLO.UpdateFailed with a component
// error code, as the 2.55 capture's Result shows (["50"]).
func (i *ILO) flashErrorLocked(filename string) *wire.Message {
	if i.faults.FlashError == nil {
		return nil
	}
	want := string(*i.faults.FlashError)
	if want == "" || (want != "*" && !strings.EqualFold(want, filename)) {
		return nil
	}
	m := i.prof.Registries.ILOMsg("UpdateFailed", "50")
	return &m
}

// FlashErrorFault is the flash_error fault: a component file name, "*" for
// every flash, or "" for none. JSON true means "*" and false means "".
type FlashErrorFault string

// UnmarshalJSON accepts a string or a boolean.
func (f *FlashErrorFault) UnmarshalJSON(b []byte) error {
	var v bool
	if err := json.Unmarshal(b, &v); err == nil {
		*f = ""
		if v {
			*f = "*"
		}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("flash_error: want a file name, \"*\", true or false: %w", err)
	}
	*f = FlashErrorFault(strings.TrimSpace(s))
	return nil
}
