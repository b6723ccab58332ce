package rank

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// formatVersion is the first byte of a stored model. A change of the
// features or of this layout takes a new version, and a model of another
// version is refused: its reader's next vote retrains it.
const formatVersion = 2

// Limits of a stored model: what Train can write and Unmarshal accepts.
const (
	maxWeights  = 4096
	maxNameSize = 256
)

// ErrFormat is the error of UnmarshalBinary on bytes that are no model
// this digestd stored.
var ErrFormat = errors.New("not a stored ranking model")

// MarshalBinary encodes the model in a few kilobytes (512 weights: ~4 KB):
//
//	version byte, Bits byte, uvarint Examples, float64 Bias,
//	uvarint n, n × (uvarint bucket - previous bucket, float32 weight),
//	uvarint k, k × (uvarint weight index, uvarint length, text)
//	uvarint l, l × (uvarint length, title, uvarint f,
//	                f × (uvarint bucket - previous bucket, float32 value))
//
// Floats are little-endian IEEE 754; the k names are those of the
// strongest terms, by increasing weight index; the l papers are the
// latest liked, with their strongest features.
func (m *Model) MarshalBinary() ([]byte, error) {
	if len(m.weights) > maxWeights {
		return nil, fmt.Errorf("model of %d weights, more than %d", len(m.weights), maxWeights)
	}
	b := []byte{formatVersion, Bits}
	b = binary.AppendUvarint(b, uint64(m.Examples))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.Bias))
	b = binary.AppendUvarint(b, uint64(len(m.weights)))
	prev := uint32(0)
	for _, w := range m.weights {
		b = binary.AppendUvarint(b, uint64(w.bucket-prev))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w.value))
		prev = w.bucket
	}
	b = binary.AppendUvarint(b, uint64(len(m.names)))
	for _, l := range m.names {
		if len(l.text) > maxNameSize {
			return nil, fmt.Errorf("model term %q is longer than %d bytes", l.text[:32], maxNameSize)
		}
		b = binary.AppendUvarint(b, uint64(l.weight))
		b = binary.AppendUvarint(b, uint64(len(l.text)))
		b = append(b, l.text...)
	}
	b = binary.AppendUvarint(b, uint64(len(m.liked)))
	for _, l := range m.liked {
		b = binary.AppendUvarint(b, uint64(len(l.title)))
		b = append(b, l.title...)
		b = binary.AppendUvarint(b, uint64(len(l.v.Index)))
		prev := uint32(0)
		for k, bucket := range l.v.Index {
			b = binary.AppendUvarint(b, uint64(bucket-prev))
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(l.v.Value[k]))
			prev = bucket
		}
	}
	return b, nil
}

// UnmarshalBinary decodes a model MarshalBinary encoded. Bytes of another
// version, truncated, trailing or out of range are an error wrapping
// ErrFormat that names the byte offset; m is then left unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	var d Decoder
	out, err := d.Decode(data)
	if err != nil {
		return err
	}
	*m = *out
	return nil
}

// A Decoder decodes stored models as UnmarshalBinary does into memory it
// reuses: a pass decodes a model for each reader it meets, one after the
// other on each of its goroutines. The zero Decoder is ready to use.
type Decoder struct {
	m Model
	// The liked papers' features, in two arrays that their vectors share.
	index []uint32
	value []float32
}

// Decode decodes a model MarshalBinary encoded, or returns the error
// UnmarshalBinary would. The model is valid until the next Decode, the
// texts it returns for good.
func (dec *Decoder) Decode(data []byte) (*Model, error) {
	d := decoder{data: data}
	if v := d.byte(); d.err == nil && v != formatVersion {
		return nil, fmt.Errorf("byte 0: version %d, want %d: %w", v, formatVersion, ErrFormat)
	}
	if bits := d.byte(); d.err == nil && bits != Bits {
		return nil, fmt.Errorf("byte 1: %d hash bits, want %d: %w", bits, Bits, ErrFormat)
	}
	out := &dec.m
	out.Examples, out.Bias = int(d.uvarint(math.MaxInt32)), d.float64()
	n := d.uvarint(maxWeights)
	out.weights = resize(out.weights, int(n))
	for i := range out.weights {
		delta, value := d.entry(1<<Bits - 1)
		bucket := uint64(delta)
		if i > 0 {
			bucket += uint64(out.weights[i-1].bucket)
			if delta == 0 && d.err == nil {
				d.fail("weight %d repeats bucket %d", i, bucket)
			}
		}
		if bucket >= 1<<Bits && d.err == nil {
			d.fail("weight %d: bucket %d out of range", i, bucket)
		}
		out.weights[i] = weight{bucket: uint32(bucket), value: value}
	}
	k := d.uvarint(n)
	out.names = out.names[:0]
	for range k {
		i := int(d.uvarint(n - 1))
		text := d.text(maxNameSize)
		if d.err != nil {
			break
		}
		if last := len(out.names) - 1; last >= 0 && i <= out.names[last].weight {
			d.fail("name of weight %d out of order", i)
			break
		}
		out.names = append(out.names, label{weight: i, text: text})
	}
	nl := d.uvarint(likedKept)
	index := slices.Grow(dec.index[:0], int(nl)*likedFeatures)
	value := slices.Grow(dec.value[:0], int(nl)*likedFeatures)
	out.liked = out.liked[:0]
	for range nl {
		l := likedPaper{title: d.text(maxNameSize)}
		f := d.uvarint(likedFeatures)
		if d.err != nil {
			break
		}
		n := len(index)
		for k := range f {
			bucket, v := d.entry(1<<Bits - 1)
			if k > 0 {
				bucket += uint64(index[len(index)-1])
			}
			if bucket >= 1<<Bits && d.err == nil {
				d.fail("liked paper feature %d out of range", k)
			}
			index, value = append(index, uint32(bucket)), append(value, v)
		}
		l.v = Vector{Index: index[n:len(index):len(index)], Value: value[n:len(value):len(value)]}
		out.liked = append(out.liked, l)
	}
	dec.index, dec.value = index, value
	if d.err == nil && d.off != len(data) {
		d.fail("%d bytes after the model", len(data)-d.off)
	}
	if d.err != nil {
		return nil, d.err
	}
	out.index()
	return out, nil
}

// decoder reads a stored model, keeping the first error.
type decoder struct {
	data []byte
	off  int
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("byte %d: %s: %w", d.off, fmt.Sprintf(format, args...), ErrFormat)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || d.off >= len(d.data) {
		d.fail("truncated")
		return 0
	}
	d.off++
	return d.data[d.off-1]
}

// uvarint reads a uvarint of at most limit.
func (d *decoder) uvarint(limit uint64) uint64 {
	if d.err != nil {
		return 0
	}
	v, size := binary.Uvarint(d.data[d.off:])
	switch {
	case size <= 0:
		d.fail("truncated or overlong number")
		return 0
	case v > limit:
		d.fail("number %d out of range (at most %d)", v, limit)
		return 0
	}
	d.off += size
	return v
}

// entry reads a uvarint of at most limit and a finite float32: a bucket,
// as the difference from the one before, and its value. Most of a stored
// model is entries.
func (d *decoder) entry(limit uint64) (uint64, float32) {
	if d.err == nil {
		v, size := binary.Uvarint(d.data[d.off:])
		if size > 0 && v <= limit && d.off+size+4 <= len(d.data) {
			f := math.Float32frombits(binary.LittleEndian.Uint32(d.data[d.off+size:]))
			if f-f == 0 { // not NaN or ±Inf
				d.off += size + 4
				return v, f
			}
		}
	}
	return d.uvarint(limit), d.float32() // again, to name what is wrong
}

// float32 reads a finite float32.
func (d *decoder) float32() float32 {
	if b := d.next(4); b != nil {
		return float32(d.finite(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 4))
	}
	return 0
}

// float64 reads a finite float64.
func (d *decoder) float64() float64 {
	if b := d.next(8); b != nil {
		return d.finite(math.Float64frombits(binary.LittleEndian.Uint64(b)), 8)
	}
	return 0
}

// next returns the next size bytes, nil when there is an error or fewer.
func (d *decoder) next(size int) []byte {
	if d.err != nil {
		return nil
	}
	if d.off+size > len(d.data) {
		d.fail("truncated")
		return nil
	}
	return d.data[d.off : d.off+size]
}

// finite takes f, read from the next size bytes, when it is a finite
// number.
func (d *decoder) finite(f float64, size int) float64 {
	if f-f != 0 { // NaN or ±Inf
		d.fail("not a finite number")
		return 0
	}
	d.off += size
	return f
}

// text reads a length-prefixed UTF-8 text of 1 to limit bytes.
func (d *decoder) text(limit uint64) string {
	size := d.uvarint(limit)
	if d.err != nil {
		return ""
	}
	if size == 0 || d.off+int(size) > len(d.data) {
		d.fail("bad text length %d", size)
		return ""
	}
	b := d.data[d.off : d.off+int(size)]
	if !utf8.Valid(b) {
		d.fail("text is not UTF-8")
		return ""
	}
	d.off += int(size)
	return string(b)
}
