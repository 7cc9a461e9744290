//! A procedurally rendered multi-shot world with known ground truth, and the metrics that judge renders
