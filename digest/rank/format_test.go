package rank

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    *Model
	}{
		{"trained", Train(examples(liked, disliked, passedOver), Options{})},
		{"untrained", Train(nil, Options{})},
		{"three weights", Train(examples(liked, disliked, nil), Options{Keep: 3})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if len(data) > 8<<10 {
				t.Errorf("model takes %d bytes, want at most 8 KB", len(data))
			}
			var got Model
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if got.Examples != tt.m.Examples || got.Bias != tt.m.Bias {
				t.Errorf("examples %d, bias %v; want %d, %v", got.Examples, got.Bias, tt.m.Examples, tt.m.Bias)
			}
			for _, p := range append(append(slices.Clone(liked), disliked...), passedOver...) {
				if g, w := got.Score(p), tt.m.Score(p); g != w {
					t.Errorf("Score(%s) = %v after the round trip, want %v", p.ID, g, w)
				}
			}
			gotUp, gotDown := got.Terms(namedTerms)
			wantUp, wantDown := tt.m.Terms(namedTerms)
			if !slices.Equal(gotUp, wantUp) || !slices.Equal(gotDown, wantDown) {
				t.Errorf("terms after the round trip %v / %v, want %v / %v", gotUp, gotDown, wantUp, wantDown)
			}
			again, err := got.MarshalBinary()
			if err != nil || !slices.Equal(again, data) {
				t.Errorf("marshalling the decoded model gives other bytes (err %v)", err)
			}
		})
	}
}

func TestUnmarshalRefusesGarbage(t *testing.T) {
	good, err := Train(examples(liked, disliked, passedOver), Options{Keep: 4}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	with := func(at int, b ...byte) []byte {
		d := slices.Clone(good)
		copy(d[at:], b)
		return d
	}
	nan := math.Float32bits(float32(math.NaN()))
	// The first weight: version, bits, examples (1 byte: 6), bias (8),
	// count (1), then its bucket (a uvarint) and value.
	firstBucket := 1 + 1 + 1 + 8 + 1
	bucketSize := 1
	for good[firstBucket+bucketSize-1] >= 0x80 {
		bucketSize++
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("not a model at all")},
		{"other version", with(0, 1)},
		{"other hash bits", with(1, 18)},
		{"trailing byte", append(slices.Clone(good), 0)},
		{"too many weights", with(11, 0xff, 0xff, 0x03)},
		{"NaN weight", with(firstBucket+bucketSize, byte(nan), byte(nan>>8), byte(nan>>16), byte(nan>>24))},
		{"NaN bias", with(3, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f)},
	}
	for n := range good {
		tests = append(tests, struct {
			name string
			data []byte
		}{fmt.Sprintf("cut at byte %d", n), good[:n]})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Model{Bias: 42}
			err := m.UnmarshalBinary(tt.data)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("UnmarshalBinary = %v, want an error wrapping ErrFormat", err)
			}
			if m.Bias != 42 {
				t.Errorf("a failed UnmarshalBinary changed the model")
			}
		})
	}
}

// TestDecoderReuse: one Decoder decoding model after model, larger and
// smaller, with refused bytes between them, gives each model as a fresh
// UnmarshalBinary does: the same scores, liked papers, terms and bytes.
func TestDecoderReuse(t *testing.T) {
	papers := fixturePapers(t)
	var stored [][]byte
	for i, keep := range []int{512, 3, 4096, 64, 0, 512} {
		var ex []Example
		for k, p := range papers[i*7 : i*7+30] {
			ex = append(ex, Example{Paper: p, Kind: Kind(k % 4)})
		}
		data, err := Train(ex, Options{Keep: keep}).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, data, data[:len(data)/2])
	}
	var d Decoder
	for i, data := range stored {
		var want Model
		wantErr := want.UnmarshalBinary(data)
		got, err := d.Decode(data)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("model %d: Decode error %v, UnmarshalBinary %v", i, err, wantErr)
		}
		if err != nil {
			continue
		}
		if again, err := got.MarshalBinary(); err != nil || !slices.Equal(again, data) {
			t.Errorf("model %d: the reused Decoder's model marshals to other bytes (err %v)", i, err)
		}
		gotUp, gotDown := got.Terms(namedTerms)
		wantUp, wantDown := want.Terms(namedTerms)
		if !slices.Equal(gotUp, wantUp) || !slices.Equal(gotDown, wantDown) {
			t.Errorf("model %d: terms %v / %v, want %v / %v", i, gotUp, gotDown, wantUp, wantDown)
		}
		for _, p := range papers {
			v := Featurize(p)
			if g, w := got.ScoreVector(v), want.ScoreVector(v); g != w {
				t.Fatalf("model %d, paper %s: score %v, want %v", i, p.ID, g, w)
			}
			gt, gok := got.LikeOf(v)
			wt, wok := want.LikeOf(v)
			if gt != wt || gok != wok {
				t.Fatalf("model %d, paper %s: like %q, %v; want %q, %v", i, p.ID, gt, gok, wt, wok)
			}
		}
	}
}
