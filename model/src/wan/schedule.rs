//! The flow-matching schedule of Wan / Self-Forcing: `x_t = (1 - s) x0 + s noise` with
//! `s = t / 1000`, timesteps warped by `shift`, and the model predicting the flow `noise - x0`.

use candle_core::{Result, Tensor};

pub const NUM_TRAIN_TIMESTEPS: f64 = 1000.0;

/// `t` in [0, 1000] warped by `shift`: `s' = shift s / (1 + (shift - 1) s)`. Equals
/// Self-Forcing's `scheduler.timesteps[1000 - t]` table lookup for integer `t`.
pub fn shift_timestep(t: f64, shift: f64) -> f64 {
    let s = t / NUM_TRAIN_TIMESTEPS;
    NUM_TRAIN_TIMESTEPS * shift * s / (1.0 + (shift - 1.0) * s)
}

/// The denoising timesteps of a chunk, e.g. `[1000, 750, 500, 250]` with shift 5 gives
/// `[1000, 937.5, 833.3, 625]`.
pub fn warped_steps(steps: &[f64], shift: f64) -> Vec<f64> {
    steps.iter().map(|t| shift_timestep(*t, shift)).collect()
}

/// `n` denoising timesteps evenly spaced down from t = 1000 (before the shift): 4 gives the
/// distilled sampler's `[1000, 750, 500, 250]`.
pub fn even_steps(n: usize) -> Vec<f64> {
    (0..n).map(|i| NUM_TRAIN_TIMESTEPS * (1.0 - i as f64 / n as f64)).collect()
}

pub fn sigma(t: f64) -> f64 {
    t / NUM_TRAIN_TIMESTEPS
}

/// `x0 = x_t - sigma(t) * flow`.
pub fn x0_from_flow(xt: &Tensor, flow: &Tensor, t: f64) -> Result<Tensor> {
    xt - (flow * sigma(t))?
}

/// `x_t = (1 - sigma(t)) x0 + sigma(t) noise`.
pub fn add_noise(x0: &Tensor, noise: &Tensor, t: f64) -> Result<Tensor> {
    let s = sigma(t);
    (x0 * (1.0 - s))? + (noise * s)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_forcing_steps() {
        let w = warped_steps(&[1000.0, 750.0, 500.0, 250.0], 5.0);
        let want = [1000.0, 937.5, 833.333, 625.0];
        for (a, b) in w.iter().zip(want) {
            assert!((a - b).abs() < 1e-3, "{w:?}");
        }
        assert_eq!(shift_timestep(0.0, 5.0), 0.0);
    }
}
