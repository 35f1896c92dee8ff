package ilo

import (
	"reflect"
	"testing"
)

// TestNoOutputTags: the client's resource types carry no json tags: what a
// module returns has its own types (internal/modkit), so a key a playbook
// reads cannot change with the client. Message and Locker keep theirs for
// the error_info of the errors that carry them.
func TestNoOutputTags(t *testing.T) {
	for _, v := range []any{InventoryItem{}, Component{}, Repository{}, UpdateTask{}, MaintenanceWindow{}, InstallSet{}, InstallStep{},
		UpdateService{}, UpdateActions{}, UpdateLinks{}, Manager{}, ServiceRoot{}, PushResult{}, UploadResult{}, Accepted{}, Task{}, MonitorStatus{}, Config{}, System{}} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			if tag := rt.Field(i).Tag; tag != "" {
				t.Errorf("%s.%s has tags %s", rt.Name(), rt.Field(i).Name, tag)
			}
		}
	}
}
