//! What a script names on the command line, turned into what the API takes: servers and
//! images by id or unique name.

use super::CliError;
use crate::cloud::Client;
use crate::cloud::model::{Image, Server, ServerKind};
use crate::safe_text::escape;

/// The servers `wanted` names, in that order, each by id or unique name (ECS or BMS); both
/// lists are read once, whatever the number of names.
pub(crate) async fn servers(client: &Client, wanted: &[String]) -> Result<Vec<Server>, CliError> {
    let all = all_servers(client).await?;
    wanted.iter().map(|w| server(&all, w)).collect()
}

/// Every ECS, then every BMS.
pub(crate) async fn all_servers(client: &Client) -> Result<Vec<Server>, CliError> {
    let mut all = client.list_servers(ServerKind::Ecs).await?;
    all.extend(client.list_servers(ServerKind::Bms).await?);
    Ok(all)
}

/// One server of `all` by id or unique name; several of that name are listed with their ids.
pub(crate) fn server(all: &[Server], wanted: &str) -> Result<Server, CliError> {
    if let Some(s) = all.iter().find(|s| s.id == wanted) {
        return Ok(s.clone());
    }
    let named: Vec<&Server> = all.iter().filter(|s| s.name == wanted).collect();
    match named.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(CliError::Usage(format!(
            "no ECS or BMS server has the id or name \"{}\" (see `reimage list servers`)",
            escape(wanted)
        ))),
        several => Err(CliError::Usage(format!(
            "{} servers are named \"{}\"; pass the id instead:\n{}",
            several.len(),
            escape(wanted),
            several
                .iter()
                .map(|s| format!(
                    "  {}  {} ({})",
                    escape(&s.id),
                    escape(&s.name),
                    s.kind.label()
                ))
                .collect::<Vec<_>>()
                .join("\n")
        ))),
    }
}

/// At most this many near names are suggested when nothing matches.
const SUGGESTIONS: usize = 5;

/// The id of the image `wanted` names: its id, or the name of exactly one image. A UUID no
/// listed image has is passed on (ops says it is not in the list, or `--route` sends it
/// unchecked); anything else that matches nothing, or several, is an error saying what to
/// pass instead.
pub(crate) fn image_id(wanted: &str, images: &[Image]) -> Result<String, CliError> {
    if images.iter().any(|i| i.id == wanted) {
        return Ok(wanted.to_string());
    }
    let named: Vec<&Image> = images.iter().filter(|i| i.name == wanted).collect();
    match named.as_slice() {
        [one] => return Ok(one.id.clone()),
        [] if crate::ops::is_uuid(wanted) => return Ok(wanted.to_string()),
        [] => {}
        several => {
            return Err(CliError::Usage(format!(
                "{} images are named \"{}\": pass one id with --change-to:\n{}",
                several.len(),
                escape(wanted),
                listing(several)
            )));
        }
    }
    // The nearest first, whatever order the service listed them in: names that start with
    // the text, then the shorter (less added to it), then by name.
    let lower = wanted.to_lowercase();
    let mut near: Vec<(bool, usize, &Image)> = images
        .iter()
        .filter_map(|i| {
            let name = i.name.to_lowercase();
            name.contains(&lower)
                .then(|| (!name.starts_with(&lower), i.name.len(), i))
        })
        .collect();
    near.sort_by(|a, b| (a.0, a.1, &a.2.name, &a.2.id).cmp(&(b.0, b.1, &b.2.name, &b.2.id)));
    let near: Vec<&Image> = near
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, _, i)| i)
        .collect();
    let mut text = format!("no image has the id or the name \"{}\"", escape(wanted));
    if near.is_empty() {
        text.push_str(
            "; list the images with `reimage list images` (e.g. --platform Ubuntu) and pass \
             an id or a whole name with --change-to",
        );
    } else {
        text.push_str(&format!(
            "; names that contain it (pass a whole name or an id with --change-to; `reimage \
             list images` lists every one):\n{}",
            listing(&near)
        ));
    }
    Err(CliError::Usage(text))
}

/// One line per image: id and name (escaped: both come from the cloud).
fn listing(images: &[&Image]) -> String {
    images
        .iter()
        .map(|i| format!("  {}  {}", escape(&i.id), escape(&i.name)))
        .collect::<Vec<_>>()
        .join("\n")
}
