//! Small robust statistics over samples: quantiles, Bowley skewness, median absolute deviation.

/// The `q` quantile (0 to 1) of sorted samples, interpolating linearly; `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let low = *sorted.get(below)?;
    let high = *sorted.get(above)?;
    Some(low + (high - low) * (position - below as f64))
}

/// Median of sorted samples.
pub fn median(sorted: &[f64]) -> Option<f64> {
    quantile(sorted, 0.5)
}

/// Bowley (quartile) skewness of sorted samples, in -1..=1; 0 when the quartiles coincide.
pub fn bowley_skewness(sorted: &[f64]) -> Option<f64> {
    let q1 = quantile(sorted, 0.25)?;
    let q2 = quantile(sorted, 0.5)?;
    let q3 = quantile(sorted, 0.75)?;
    let spread = q3 - q1;
    if spread <= f64::EPSILON {
        return Some(0.0);
    }
    Some(((q1 + q3 - 2.0 * q2) / spread).clamp(-1.0, 1.0))
}

/// Median absolute deviation from the median.
pub fn median_absolute_deviation(sorted: &[f64]) -> Option<f64> {
    let center = median(sorted)?;
    let mut deviations: Vec<f64> = sorted.iter().map(|value| (value - center).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    median(&deviations)
}

/// Sorts samples in place (NaN-safe) and returns them.
pub fn sorted(mut samples: Vec<f64>) -> Vec<f64> {
    samples.sort_by(f64::total_cmp);
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_and_skew_of_known_samples() {
        let samples = sorted(vec![1.0, 2.0, 3.0, 4.0, 100.0]);

        assert_eq!(median(&samples), Some(3.0));
        assert_eq!(quantile(&samples, 0.25), Some(2.0));
        assert_eq!(quantile(&samples, 0.75), Some(4.0));
        assert_eq!(bowley_skewness(&samples), Some(0.0));
        // Deviations from 3: 2, 1, 0, 1, 97 → sorted 0, 1, 1, 2, 97 → median 1.
        assert_eq!(median_absolute_deviation(&samples), Some(1.0));
    }

    #[test]
    fn right_skewed_samples_have_positive_bowley_skew() {
        let samples = sorted(vec![1.0, 1.0, 2.0, 10.0, 20.0]);
        // q1 = 1, q2 = 2, q3 = 10 → (1 + 10 - 4) / 9.
        let skew = bowley_skewness(&samples).unwrap_or_default();
        assert!((skew - 7.0 / 9.0).abs() < 1e-9, "{skew}");
    }

    #[test]
    fn empty_samples_have_no_statistics() {
        assert_eq!(median(&[]), None);
        assert_eq!(bowley_skewness(&[]), None);
    }
}
