//! Which of the six APIs serves the request (API doc 8.1): BMS has one route; ECS takes
//! v2 (with Cloud-Init) unless the deciding image says `__support_fc_inject == "true"`.

use super::errors::{Field, FieldError};
use super::input::OpKind;
use crate::cloud::model::{Image, ServerKind};
use std::fmt;

/// The API family the request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// ECS `/v1`: image without Cloud-Init; no user data.
    V1,
    /// ECS `/v2`: image with Cloud-Init; user data allowed.
    V2,
    /// BMS `/v1/.../baremetalservers`.
    Bms,
}

impl Route {
    pub fn label(self) -> &'static str {
        match self {
            Route::V1 => "/v1 without Cloud-Init",
            Route::V2 => "/v2 with Cloud-Init",
            Route::Bms => "/v1 bare metal",
        }
    }

    /// `v1`, `v2` or `bms`: the route as the job journal, the audit log and plan files
    /// name it.
    pub fn word(self) -> &'static str {
        match self {
            Route::V1 => "v1",
            Route::V2 => "v2",
            Route::Bms => "bms",
        }
    }

    /// Path version segment.
    pub fn version(self) -> &'static str {
        match self {
            Route::V1 | Route::Bms => "v1",
            Route::V2 => "v2",
        }
    }

    /// Collection segment after the project id.
    pub fn collection(self) -> &'static str {
        match self {
            Route::V1 | Route::V2 => "cloudservers",
            Route::Bms => "baremetalservers",
        }
    }

    /// Whether the body may carry `user_data`.
    pub fn takes_user_data(self) -> bool {
        !matches!(self, Route::V1)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The route with why it was chosen, for the form's "Route" line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDecision {
    pub route: Route,
    /// What the deciding image says (`None` when the image is unknown).
    pub detected: Option<Route>,
    pub reason: String,
    pub overridden: bool,
}

/// What the image alone says for an ECS: `__support_fc_inject == "true"` means no Cloud-Init.
pub fn ecs_route_for(image: &Image) -> Route {
    if image.has_cloud_init() {
        Route::V2
    } else {
        Route::V1
    }
}

/// Decide the route. `deciding` is the target image for a change, the current image for a
/// reinstall (`None` if the cloud did not list it).
pub fn decide_route(
    kind: ServerKind,
    op: OpKind,
    deciding: Option<&Image>,
    overridden: Option<Route>,
) -> Result<RouteDecision, FieldError> {
    if kind == ServerKind::Bms {
        if let Some(r) = overridden.filter(|r| *r != Route::Bms) {
            return Err(FieldError::new(
                Field::Route,
                format!(
                    "{} is an ECS route; a BMS has only the bare-metal API",
                    r.label()
                ),
                "clear the route override",
            ));
        }
        return Ok(RouteDecision {
            route: Route::Bms,
            detected: Some(Route::Bms),
            reason: "bare-metal server".into(),
            overridden: false,
        });
    }
    if overridden == Some(Route::Bms) {
        return Err(FieldError::new(
            Field::Route,
            "the bare-metal API does not serve an ECS",
            "choose /v1 or /v2, or clear the override",
        ));
    }
    let which = match op {
        OpKind::Change => "target image",
        OpKind::Reinstall => "current image",
    };
    let detected = deciding.map(ecs_route_for);
    let detected_reason = match detected {
        Some(Route::V1) => format!("{which} has no Cloud-Init (__support_fc_inject=true)"),
        Some(_) => format!("{which} has Cloud-Init"),
        None => format!("{which} is unknown"),
    };
    match (detected, overridden) {
        (Some(d), None) => Ok(RouteDecision {
            route: d,
            detected: Some(d),
            reason: detected_reason,
            overridden: false,
        }),
        (d, Some(chosen)) => Ok(RouteDecision {
            route: chosen,
            detected: d,
            reason: format!("overridden by you; {detected_reason}"),
            overridden: d != Some(chosen),
        }),
        (None, None) => Err(FieldError::new(
            Field::Route,
            format!(
                "the {which} is not in the image list (deleted or not shared), so Cloud-Init support is unknown"
            ),
            "override the route: /v2 if the image has Cloud-Init, /v1 if not",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(fc_inject: Option<&str>) -> Image {
        Image {
            id: "i".into(),
            support_fc_inject: fc_inject.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn fc_inject_true_means_v1_anything_else_v2() {
        let d = |v| decide_route(ServerKind::Ecs, OpKind::Change, Some(&image(v)), None);
        assert_eq!(d(Some("true")).map(|d| d.route), Ok(Route::V1));
        assert_eq!(d(Some("false")).map(|d| d.route), Ok(Route::V2));
        assert_eq!(d(None).map(|d| d.route), Ok(Route::V2));
    }

    #[test]
    fn override_is_reported() {
        let d = decide_route(
            ServerKind::Ecs,
            OpKind::Reinstall,
            Some(&image(None)),
            Some(Route::V1),
        )
        .expect("override accepted");
        assert_eq!(d.route, Route::V1);
        assert_eq!(d.detected, Some(Route::V2));
        assert!(d.overridden);
        assert_eq!(d.reason, "overridden by you; current image has Cloud-Init");
    }

    #[test]
    fn unknown_image_needs_an_override_and_bms_takes_none() {
        let e = decide_route(ServerKind::Ecs, OpKind::Reinstall, None, None).unwrap_err();
        assert_eq!(e.field, Field::Route);
        let e = decide_route(ServerKind::Bms, OpKind::Change, None, Some(Route::V2)).unwrap_err();
        assert_eq!(e.field, Field::Route);
        let e = decide_route(ServerKind::Ecs, OpKind::Change, None, Some(Route::Bms)).unwrap_err();
        assert_eq!(e.field, Field::Route);
    }
}
