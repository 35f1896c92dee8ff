package iloplan

import (
	"testing"

	"github.com/fleetfw/ilo/internal/ilo"
)

// TestItems: the client's Updateable passes through, nil (not served, as on
// iLO 5 2.46 firmware) staying unknown rather than becoming false.
func TestItems(t *testing.T) {
	yes, no := true, false
	inv := []ilo.InventoryItem{{ID: "1", Name: "iLO 5", Updateable: &yes}, {ID: "2", Name: "NIC", Updateable: &no}, {ID: "16", Name: "GPU"}}
	got := Items(inv)
	if got[0].Updateable == nil || !*got[0].Updateable {
		t.Errorf("item 1: Updateable %v, want true", got[0].Updateable)
	}
	if got[1].Updateable == nil || *got[1].Updateable {
		t.Errorf("item 2: Updateable %v, want false", got[1].Updateable)
	}
	if got[2].Updateable != nil {
		t.Errorf("item 16: Updateable %v, want unknown (nil)", *got[2].Updateable)
	}
}
