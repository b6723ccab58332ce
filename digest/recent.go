package digest

import "sync"

// recent is a bounded map for what a pass remembers, keeping the entries
// in use. It fills a current generation; when that is full, the previous
// generation is dropped and the current one takes its place. An entry
// found in the previous generation is carried into the current one, so
// the entries many readers share live all pass long while the rest come
// and go. It holds at most twice its generation size. A nil recent
// remembers nothing. It is safe for concurrent use.
type recent[K comparable, V any] struct {
	mu        sync.Mutex
	size      int
	cur, prev map[K]V
}

func newRecent[K comparable, V any](size int) *recent[K, V] {
	return &recent[K, V]{size: size, cur: make(map[K]V)}
}

func (r *recent[K, V]) get(k K) (V, bool) {
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

func (r *recent[K, V]) put(k K, v V) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(k, v)
}

func (r *recent[K, V]) add(k K, v V) {
	if len(r.cur) >= r.size {
		r.prev, r.cur = r.cur, make(map[K]V, r.size)
	}
	r.cur[k] = v
}
