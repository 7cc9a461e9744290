//! Every metric scores the ground truth near the top and a corruption that targets it
//! clearly lower.

use cine_synth::metrics::{self, Scores};
use cine_synth::screenplay::reference_film;
use cine_synth::source::{Corrupted, Corruption, GroundTruth, VideoSource};
use cine_synth::{Story, StoryConfig};

fn stories() -> Vec<Story> {
    let cfg = StoryConfig { shots: (4, 5), shot_seconds: (1.5, 2.0), p_return: 0.6, ..StoryConfig::default() };
    (0..3).map(|i| Story::generate(100 + i, &cfg)).collect()
}

fn mean(src: &mut dyn VideoSource) -> Vec<Scores> {
    stories()
        .iter()
        .map(|s| {
            let film = reference_film(s);
            let frames = src.render(&film, s).unwrap();
            metrics::evaluate(s, &film, &frames).unwrap()
        })
        .collect()
}

fn avg(v: &[Scores], f: impl Fn(&Scores) -> Option<f32>) -> f32 {
    let x: Vec<f32> = v.iter().filter_map(f).collect();
    assert!(!x.is_empty(), "no story had this metric");
    x.iter().sum::<f32>() / x.len() as f32
}

fn ground_truth() -> &'static Vec<Scores> {
    static GT: std::sync::OnceLock<Vec<Scores>> = std::sync::OnceLock::new();
    GT.get_or_init(|| mean(&mut GroundTruth))
}

fn corrupted(kind: Corruption) -> Vec<Scores> {
    mean(&mut Corrupted { kind, seed: 9 })
}

fn check(v: f32, min: f32, what: &str) {
    assert!(v > min, "ground truth {what} = {v}, want > {min}");
}

#[test]
fn ground_truth_scores_near_the_top() {
    let gt = ground_truth();
    check(avg(gt, |s| Some(s.set)), 0.95, "|s| Some(s.set)");
    check(avg(gt, |s| Some(s.subject)), 0.95, "|s| Some(s.subject)");
    check(avg(gt, |s| Some(s.size)), 0.95, "|s| Some(s.size)");
    check(avg(gt, |s| Some(s.camera)), 0.7, "|s| Some(s.camera)");
    check(avg(gt, |s| Some(s.cut_f1)), 0.95, "|s| Some(s.cut_f1)");
    check(avg(gt, |s| s.set_consistency), 0.85, "|s| s.set_consistency");
    check(avg(gt, |s| s.subject_consistency), 0.85, "|s| s.subject_consistency");
    check(avg(gt, |s| Some(s.stability)), 0.8, "|s| Some(s.stability)");
    check(avg(gt, |s| Some(s.motion)), 0.9, "|s| Some(s.motion)");
}

#[test]
fn shuffled_shots_lose_adherence() {
    let gt = ground_truth();
    let bad = corrupted(Corruption::Shuffle);
    assert!(avg(&bad, |s| Some(s.adherence)) < avg(gt, |s| Some(s.adherence)) - 0.3);
}

#[test]
fn swapped_colours_lose_set_and_subject() {
    let bad = corrupted(Corruption::Swap);
    assert!(avg(&bad, |s| Some(s.set)) < 0.6);
    assert!(avg(&bad, |s| Some(s.subject)) < 0.3);
}

#[test]
fn frozen_frames_lose_motion_and_cuts() {
    let bad = corrupted(Corruption::Freeze);
    assert!(avg(&bad, |s| Some(s.motion)) < 0.6);
    assert!(avg(&bad, |s| Some(s.cut_f1)) < 0.7);
}

#[test]
fn noise_loses_stability() {
    let bad = corrupted(Corruption::Noise);
    assert!(avg(&bad, |s| Some(s.stability)) < 0.4);
}

#[test]
fn rerandomised_details_lose_consistency() {
    let bad = corrupted(Corruption::Rerandomise);
    assert!(avg(&bad, |s| s.set_consistency) < 0.5);
    assert!(avg(&bad, |s| s.subject_consistency) < 0.5);
}

#[test]
fn cut_matching_counts_hits_misses_and_spurious() {
    assert_eq!(metrics::match_cuts(&[40, 80], &[45, 200]), (1, 1, 1));
    assert_eq!(metrics::match_cuts(&[40], &[53]), (0, 1, 1));
}
