// Package recent is a bounded map for what a delivery pass remembers,
// keeping the entries in use.
package recent

import "sync"

// Map is a bounded map for what a pass remembers, keeping the entries
// in use. It fills a current generation; when that is full, the previous
// generation is dropped and the current one takes its place. An entry
// found in the previous generation is carried into the current one, so
// the entries many readers share live all pass long while the rest come
// and go. It holds at most twice its generation size. A nil Map
// remembers nothing. It is safe for concurrent use.
type Map[K comparable, V any] struct {
	mu        sync.Mutex
	size      int
	cur, prev map[K]V
}

// New returns a Map that keeps size entries a generation.
func New[K comparable, V any](size int) *Map[K, V] {
	return &Map[K, V]{size: size, cur: make(map[K]V)}
}

// Get returns the value of k, and whether there is one.
func (r *Map[K, V]) Get(k K) (V, bool) {
	if r == nil {
		var zero V
		return zero, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.cur[k]; ok {
		return v, true
	}
	v, ok := r.prev[k]
	if ok {
		r.add(k, v)
	}
	return v, ok
}

// Put sets the value of k.
func (r *Map[K, V]) Put(k K, v V) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(k, v)
}

func (r *Map[K, V]) add(k K, v V) {
	if len(r.cur) >= r.size {
		r.prev, r.cur = r.cur, make(map[K]V, r.size)
	}
	r.cur[k] = v
}
