package recent

import "testing"

// TestRecentKeepsWhatIsUsed: a pass's caches stay bounded, and an entry
// readers keep asking for survives while unused ones are dropped.
func TestRecentKeepsWhatIsUsed(t *testing.T) {
	r := New[string, int](2)
	r.Put("a", 1)
	r.Put("b", 2)
	r.Put("c", 3) // a and b move to the previous generation
	if v, ok := r.Get("a"); !ok || v != 1 {
		t.Fatalf("get a = %d, %v; want 1 from the previous generation", v, ok)
	}
	r.Put("d", 4) // c and a (used) move back; b is dropped
	if _, ok := r.Get("b"); ok {
		t.Error("b was never used again but is still there")
	}
	for k, want := range map[string]int{"a": 1, "c": 3, "d": 4} {
		if v, ok := r.Get(k); !ok || v != want {
			t.Errorf("get %s = %d, %v; want %d", k, v, ok, want)
		}
	}
	for i := range 1000 {
		r.Put(string(rune('A'+i%50))+string(rune(i)), i)
		if n := len(r.cur) + len(r.prev); n > 4 {
			t.Fatalf("after %d puts it holds %d entries, want at most 4", i+1, n)
		}
	}
	var none *Map[string, int]
	none.Put("a", 1)
	if _, ok := none.Get("a"); ok {
		t.Error("a nil Map remembered an entry")
	}
}
