package metrics

// Jain's fairness index (R. Jain, D. Chiu, W. Hawe, "A Quantitative Measure
// of Fairness and Discrimination for Resource Allocation in Shared Computer
// Systems", DEC-TR-301, 1984):
//
//	J(x) = (Σ xᵢ)² / (n · Σ xᵢ²)
//
// J is 1 when every flow gets the same share and 1/n when one flow gets
// everything; k equal flows and n-k starved ones give k/n.

// JainIndex returns Jain's fairness index of the allocations x (goodputs,
// say). With no flows, or when every allocation is zero, the index is
// undefined and JainIndex returns 0, so a gate such as "fairness >= 0.9"
// fails rather than passes on a run that moved no data.
func JainIndex(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	// Plain loops rather than gonum's floats.Sum and floats.Dot: those use
	// vector assembly on amd64 and pure Go elsewhere, which sum in different
	// orders, and summaries must be identical on every platform. The
	// conversion keeps the compiler from fusing the multiply-add.
	var sum, sumSquares float64
	for _, v := range x {
		sum += v
		sumSquares += float64(v * v)
	}
	if sumSquares == 0 {
		return 0
	}
	return sum * sum / (float64(len(x)) * sumSquares)
}
