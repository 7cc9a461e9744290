//! The world's fixed vocabulary: sets, cast, actions, shot sizes and camera moves.
//!
//! Names of shot sizes and camera moves are the stdlib's (`stdlib/shots.cine`,
//! `stdlib/camera.cine`); set and cast names are the ones the generated screenplays define.

use serde::{Deserialize, Serialize};

pub type Rgb = [u8; 3];

/// A place. Its base colours depend only on height; its layout (where the objects stand)
/// is a hidden per-video detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SetKind {
    Forest,
    City,
    Desert,
    Beach,
    Snowfield,
    Night,
    Room,
}

/// What a set looks like: a sky (or wall) gradient above the horizon, a ground gradient
/// below, and the kind of objects its layout scatters.
pub struct SetStyle {
    pub name: &'static str,
    pub description: &'static str,
    pub sky: (Rgb, Rgb),
    pub ground: (Rgb, Rgb),
    /// Horizon height in world units from the top of the panorama.
    pub horizon: f32,
    pub objects: ObjectKind,
    pub colours: [Rgb; 3],
}

/// The kind of object a set's layout scatters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Trees,
    Buildings,
    Cacti,
    Boats,
    Pines,
    Stars,
    Frames,
}

impl SetKind {
    pub const ALL: [SetKind; 7] = [
        SetKind::Forest,
        SetKind::City,
        SetKind::Desert,
        SetKind::Beach,
        SetKind::Snowfield,
        SetKind::Night,
        SetKind::Room,
    ];

    pub fn name(self) -> &'static str {
        self.style().name
    }

    pub fn from_name(name: &str) -> Option<SetKind> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn style(self) -> SetStyle {
        use ObjectKind::*;
        let s = |name, description, sky, ground, horizon, objects, colours| SetStyle {
            name,
            description,
            sky,
            ground,
            horizon,
            objects,
            colours,
        };
        match self {
            SetKind::Forest => s("forest", "a green forest with tall trees", ([120, 180, 200], [170, 210, 200]), ([70, 120, 45], [45, 85, 30]), 0.95, Trees, [[25, 80, 35], [40, 105, 45], [95, 65, 35]]),
            SetKind::City => s("city", "a grey city street with tall buildings", ([165, 175, 190], [200, 200, 205]), ([85, 85, 90], [55, 55, 60]), 1.05, Buildings, [[105, 105, 115], [140, 130, 120], [185, 175, 120]]),
            SetKind::Desert => s("desert", "a sandy desert with cacti", ([235, 200, 150], [245, 225, 185]), ([205, 160, 90], [180, 130, 70]), 0.9, Cacti, [[80, 125, 60], [60, 100, 50], [150, 95, 60]]),
            SetKind::Beach => s("beach", "a beach by a blue sea with sailing boats", ([110, 165, 225], [165, 205, 240]), ([35, 85, 155], [235, 220, 180]), 0.85, Boats, [[245, 245, 240], [120, 80, 50], [215, 215, 205]]),
            SetKind::Snowfield => s("snowfield", "a snowy field with dark pine trees", ([195, 210, 232], [225, 232, 242]), ([238, 242, 248], [210, 220, 235]), 0.9, Pines, [[35, 75, 75], [25, 55, 60], [120, 125, 130]]),
            SetKind::Night => s("night", "a dark starry night over hills", ([10, 10, 35], [30, 30, 70]), ([40, 35, 60], [25, 20, 40]), 1.0, Stars, [[250, 250, 210], [200, 200, 170], [60, 55, 90]]),
            SetKind::Room => s("room", "a warm room with pictures on the walls", ([190, 160, 130], [175, 145, 115]), ([125, 85, 55], [100, 65, 40]), 1.1, Frames, [[70, 45, 35], [150, 120, 170], [90, 130, 140]]),
        }
    }
}

/// A body outline, in a unit box (height 1, width `aspect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
    Capsule,
    Hexagon,
    Cross,
    Star,
    Dome,
    Egg,
}

impl Shape {
    /// Width over height of the shape's box.
    pub fn aspect(self) -> f32 {
        match self {
            Shape::Capsule => 0.55,
            Shape::Egg => 0.75,
            Shape::Dome => 0.8,
            _ => 1.0,
        }
    }

    /// Whether a point of the unit box (u, v in -0.5..0.5, v down, u scaled by aspect) is inside.
    pub fn inside(self, u: f32, v: f32) -> bool {
        let (au, av) = (u.abs(), v.abs());
        match self {
            Shape::Circle => u * u + v * v <= 0.25,
            Shape::Square => au <= 0.45 && av <= 0.5,
            Shape::Triangle => v >= -0.5 && v <= 0.5 && au <= (v + 0.5) * 0.5,
            Shape::Diamond => au + av <= 0.5,
            Shape::Capsule => {
                let dv = (av - 0.25).max(0.0);
                u * u + dv * dv <= 0.25
            }
            Shape::Hexagon => av <= 0.45 && au + av * 0.55 <= 0.5,
            Shape::Cross => (au <= 0.17 && av <= 0.5) || (au <= 0.5 && av <= 0.17),
            Shape::Star => {
                let r = (u * u + v * v).sqrt();
                let a = v.atan2(u) + std::f32::consts::FRAC_PI_2;
                let k = (a * 2.5).cos().abs();
                r <= 0.22 + 0.28 * k.powf(3.0)
            }
            Shape::Dome => (v <= 0.0 && u * u + v * v <= 0.25) || (v > 0.0 && av <= 0.5 && au <= 0.5),
            Shape::Egg => {
                let sy = if v < 0.0 { 0.5 } else { 0.42 };
                let vy = (v - 0.08) / sy;
                (u / 0.5).powi(2) + vy * vy <= 1.0 && av <= 0.5
            }
        }
    }
}

/// A cast member: a body shape and colour (both in its description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CharKind {
    Ruby,
    Amber,
    Sunny,
    Lime,
    Sky,
    Cobalt,
    Plum,
    Rosa,
    Berry,
    Mint,
}

pub struct CharStyle {
    pub name: &'static str,
    pub description: &'static str,
    pub shape: Shape,
    pub body: Rgb,
}

impl CharKind {
    pub const ALL: [CharKind; 10] = [
        CharKind::Ruby,
        CharKind::Amber,
        CharKind::Sunny,
        CharKind::Lime,
        CharKind::Sky,
        CharKind::Cobalt,
        CharKind::Plum,
        CharKind::Rosa,
        CharKind::Berry,
        CharKind::Mint,
    ];

    pub fn name(self) -> &'static str {
        self.style().name
    }

    pub fn from_name(name: &str) -> Option<CharKind> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn style(self) -> CharStyle {
        use Shape::*;
        let s = |name, description, shape, body| CharStyle { name, description, shape, body };
        match self {
            CharKind::Ruby => s("ruby", "a red round ball creature", Circle, [220, 30, 30]),
            CharKind::Amber => s("amber", "an orange square box creature", Square, [250, 140, 0]),
            CharKind::Sunny => s("sunny", "a yellow triangle creature", Triangle, [245, 225, 30]),
            CharKind::Lime => s("lime", "a lime green cross creature", Cross, [150, 235, 30]),
            CharKind::Sky => s("sky", "a cyan hexagon creature", Hexagon, [30, 215, 225]),
            CharKind::Cobalt => s("cobalt", "a blue tall capsule creature", Capsule, [30, 60, 230]),
            CharKind::Plum => s("plum", "a purple star creature", Star, [130, 40, 200]),
            CharKind::Rosa => s("rosa", "a pink diamond creature", Diamond, [250, 120, 200]),
            CharKind::Berry => s("berry", "a magenta dome creature", Dome, [200, 0, 140]),
            CharKind::Mint => s("mint", "a mint green egg creature", Egg, [120, 250, 190]),
        }
    }
}

/// Colours of the hidden marking on a character's body (never in a caption).
pub const MARKING_COLOURS: [Rgb; 5] = [[250, 250, 250], [30, 30, 110], [110, 60, 20], [0, 128, 128], [140, 140, 140]];
/// Eye colour.
pub const EYE: Rgb = [15, 15, 15];

/// What the subject does; a prompt change inside a shot switches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Stand,
    WalkLeft,
    WalkRight,
    Jump,
    Turn,
}

impl Action {
    pub const ALL: [Action; 5] = [Action::Stand, Action::WalkLeft, Action::WalkRight, Action::Jump, Action::Turn];

    /// The action text written into the screenplay.
    pub fn text(self) -> &'static str {
        match self {
            Action::Stand => "stands still",
            Action::WalkLeft => "walks to the left",
            Action::WalkRight => "walks to the right",
            Action::Jump => "jumps up and down",
            Action::Turn => "turns around",
        }
    }
}

/// Shot size (stdlib name): how much of the frame the subject fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShotSize {
    Wide,
    Medium,
    CloseUp,
}

impl ShotSize {
    pub const ALL: [ShotSize; 3] = [ShotSize::Wide, ShotSize::Medium, ShotSize::CloseUp];

    pub fn name(self) -> &'static str {
        match self {
            ShotSize::Wide => "wide",
            ShotSize::Medium => "medium",
            ShotSize::CloseUp => "close_up",
        }
    }

    pub fn from_name(name: &str) -> Option<ShotSize> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Subject height as a part of the frame height (at mid-shot).
    pub fn subject_height(self) -> f32 {
        match self {
            ShotSize::Wide => 0.22,
            ShotSize::Medium => 0.42,
            ShotSize::CloseUp => 0.74,
        }
    }

    /// Magnification of the backdrop (frame heights per world unit).
    pub fn backdrop_scale(self) -> f32 {
        match self {
            ShotSize::Wide => 1.0,
            ShotSize::Medium => 1.4,
            ShotSize::CloseUp => 2.0,
        }
    }
}

/// Camera move (stdlib name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CameraMove {
    Static,
    PanLeft,
    PanRight,
    TiltUp,
    TiltDown,
    ZoomIn,
    ZoomOut,
    DollyIn,
    DollyOut,
}

impl CameraMove {
    pub const ALL: [CameraMove; 9] = [
        CameraMove::Static,
        CameraMove::PanLeft,
        CameraMove::PanRight,
        CameraMove::TiltUp,
        CameraMove::TiltDown,
        CameraMove::ZoomIn,
        CameraMove::ZoomOut,
        CameraMove::DollyIn,
        CameraMove::DollyOut,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CameraMove::Static => "static",
            CameraMove::PanLeft => "pan_left",
            CameraMove::PanRight => "pan_right",
            CameraMove::TiltUp => "tilt_up",
            CameraMove::TiltDown => "tilt_down",
            CameraMove::ZoomIn => "zoom_in",
            CameraMove::ZoomOut => "zoom_out",
            CameraMove::DollyIn => "dolly_in",
            CameraMove::DollyOut => "dolly_out",
        }
    }

    pub fn from_name(name: &str) -> Option<CameraMove> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}
