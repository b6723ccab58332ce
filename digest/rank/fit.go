package rank

import "math"

// fit minimises the weighted logistic loss plus lambda/2 |w|² over rows
// (labels ±1) by Newton's method, each step solved by conjugate gradients
// on Hessian-vector products: a few passes over the examples' non-zero
// features, never a dims × dims matrix. The bias is penalised a million
// times less than the weights, enough to keep the Hessian invertible.
func fit(rows []row, label, weight []float64, dims int, lambda float64) (w []float64, bias float64) {
	const (
		maxNewton = 30
		maxCG     = 50
		biasShare = 1e-6
	)
	n := dims + 1 // the bias is the last coordinate
	x := make([]float64, n)
	margin := make([]float64, len(rows)) // w·x_i + b
	curv := make([]float64, len(rows))   // c_i σ(1-σ) at the current point
	g, step, trial := make([]float64, n), make([]float64, n), make([]float64, n)
	work := [3][]float64{make([]float64, n), make([]float64, n), make([]float64, n)}
	objective := func(x []float64) float64 {
		var f, ww float64
		for i, r := range rows {
			f += weight[i] * logLoss(label[i]*dot(r, x))
		}
		for _, v := range x[:dims] {
			ww += v * v
		}
		return f + lambda/2*(ww+biasShare*x[dims]*x[dims])
	}
	var g0 float64
	for range maxNewton {
		clear(g)
		for i, r := range rows {
			margin[i] = dot(r, x)
			s := sigmoid(label[i] * margin[i])
			curv[i] = weight[i] * s * (1 - s)
			axpy(r, g, weight[i]*(s-1)*label[i])
		}
		for j := range dims {
			g[j] += lambda * x[j]
		}
		g[dims] += lambda * biasShare * x[dims]
		gn := norm(g)
		if g0 == 0 {
			g0 = gn
		}
		if gn <= 1e-6*g0 || gn < 1e-12 {
			break
		}
		hess := func(v, out []float64) {
			clear(out)
			for i, r := range rows {
				axpy(r, out, curv[i]*dot(r, v))
			}
			for j := range dims {
				out[j] += lambda * v[j]
			}
			out[dims] += lambda * biasShare * v[dims]
		}
		conjugateGradient(hess, g, step, work, maxCG, 0.1*min(1, math.Sqrt(gn/g0)))
		// Backtrack until the objective falls: Newton steps overshoot
		// while the fit is far from the optimum.
		f0, slope := objective(x), -dotVec(g, step)
		t := 1.0
		for range 30 {
			for j := range x {
				trial[j] = x[j] - t*step[j]
			}
			if objective(trial) <= f0+1e-4*t*slope {
				break
			}
			t /= 2
		}
		copy(x, trial)
	}
	return x[:dims], x[dims]
}

// conjugateGradient solves H s = g for s to a relative residual tol,
// in the three vectors of work.
func conjugateGradient(hess func(v, out []float64), g, s []float64, work [3][]float64, maxIter int, tol float64) {
	r, p, hp := work[0], work[1], work[2]
	clear(s)
	copy(r, g)
	copy(p, g)
	rr := dotVec(r, r)
	stop := tol * tol * rr
	for range maxIter {
		if rr <= stop {
			break
		}
		hess(p, hp)
		alpha := rr / dotVec(p, hp)
		for j := range s {
			s[j] += alpha * p[j]
			r[j] -= alpha * hp[j]
		}
		next := dotVec(r, r)
		for j := range p {
			p[j] = r[j] + next/rr*p[j]
		}
		rr = next
	}
}

// dot is w·x + b for the row x and the point (w, b).
func dot(r row, x []float64) float64 {
	s := x[len(x)-1]
	for k, j := range r.index {
		s += r.value[k] * x[j]
	}
	return s
}

// axpy adds a·(x, 1) to out, the row's features and its bias term.
func axpy(r row, out []float64, a float64) {
	for k, j := range r.index {
		out[j] += a * r.value[k]
	}
	out[len(out)-1] += a
}

func dotVec(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm(a []float64) float64 { return math.Sqrt(dotVec(a, a)) }

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// logLoss is ln(1 + e^-z), computed without overflow.
func logLoss(z float64) float64 {
	if z > 0 {
		return math.Log1p(math.Exp(-z))
	}
	return -z + math.Log1p(math.Exp(z))
}
