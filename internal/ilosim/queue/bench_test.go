package queue

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkTickIdle measures the per-request cost of Tick on a queue of 32
// stalled tasks (the common case: nothing due).
func BenchmarkTickIdle(b *testing.B) {
	h := newFakeHost()
	q := New(Config{Registries: testReg}, h)
	for n := range 32 {
		body := fmt.Sprintf(`{"Name":"t%d","Command":"ApplyUpdate","Filename":"cp099999.exe"}`, n)
		w := httptest.NewRecorder()
		q.Handle(w, httptest.NewRequest("POST", tasksURI, strings.NewReader(body)), Privileges{})
		if w.Code != 201 {
			b.Fatalf("create: %d %s", w.Code, w.Body)
		}
	}
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		q.Tick(now)
	}
}

// BenchmarkExpandedQueue measures GET UpdateTaskQueue?$expand=. with 32 tasks.
func BenchmarkExpandedQueue(b *testing.B) {
	h := newFakeHost()
	q := New(Config{Registries: testReg}, h)
	for n := range 32 {
		body := fmt.Sprintf(`{"Name":"t%d","Command":"ApplyUpdate","Filename":"cp099999.exe"}`, n)
		q.Handle(httptest.NewRecorder(), httptest.NewRequest("POST", tasksURI, strings.NewReader(body)), Privileges{})
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		q.Handle(w, httptest.NewRequest("GET", tasksURI+"?$expand=.", nil), Privileges{})
		if w.Code != 200 {
			b.Fatalf("GET: %d", w.Code)
		}
	}
}
