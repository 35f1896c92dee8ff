package ilosim

import (
	"net/http"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

type updateOp struct{}

func (o *updateOp) advance(i *ILO, now time.Time) {}

type task struct{}
type staged struct{}

func (i *ILO) updateStateLocked(now time.Time) (string, any, any, string) {
	return "Idle", nil, nil, ""
}

func (i *ILO) notYet(w http.ResponseWriter, r *Request) {
	wire.WriteError(w, http.StatusNotImplemented, i.prof.Registries.BaseMsg("ActionNotSupported"))
}
func (i *ILO) serveTasks(w http.ResponseWriter, r *Request)         { i.notYet(w, r) }
func (i *ILO) serveTask(w http.ResponseWriter, r *Request)          { i.notYet(w, r) }
func (i *ILO) serveMonitor(w http.ResponseWriter, r *Request)       { i.notYet(w, r) }
func (i *ILO) serveUpdateService(w http.ResponseWriter, r *Request) { i.notYet(w, r) }
func (i *ILO) patchUpdateService(w http.ResponseWriter, r *Request) { i.notYet(w, r) }
func (i *ILO) simpleUpdate(w http.ResponseWriter, r *Request)       { i.notYet(w, r) }
func (i *ILO) addFromURI(w http.ResponseWriter, r *Request)         { i.notYet(w, r) }
func (i *ILO) uploadFile(w http.ResponseWriter, r *Request)         { i.notYet(w, r) }
func (i *ILO) multipartPush(w http.ResponseWriter, r *Request)      { i.notYet(w, r) }
func loopbackClient() *http.Client                                  { return &http.Client{} }
