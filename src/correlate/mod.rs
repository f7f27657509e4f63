//! Correlate: groups device-code-flow events into flows.
//!
//! Identifiers seen on one event belong to one flow (union-find over device code and user code
//! fingerprints and correlation ids). An event with no identifier joins the flow its worker is
//! working on: the one it last authorized, announced or polled. Only groups that show device
//! code flow evidence become flows.

mod union_find;

use crate::model::{Event, FlowKey, IdKind, Outcome, Signal, DEVICE_FLOW_CODES};
use crate::numbered::Numbered;
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use union_find::UnionFind;

/// The default of `--max-skew`: how far apart the clocks of two inputs (hosts) may be taken to
/// be when their events are put in order.
pub const DEFAULT_MAX_SKEW_MS: i64 = 5_000;

/// How long after an unpolled authorization another input may resume it (twice Entra's default
/// device code lifetime).
const RESUME_WINDOW_MS: i64 = 2 * 900 * 1000;

/// One device code flow: its identifiers and its events in order.
#[derive(Clone, Debug)]
pub struct Flow {
    /// What users see: `dc:<fp>`, else `uc:<fp>`, else `corr:<id>`, else `log:<path>:<line>`.
    pub id: String,
    /// Every identifier, sorted.
    pub keys: Vec<FlowKey>,
    /// Indices into the event list, in time order (source order where time is unknown).
    pub events: Vec<usize>,
    /// The clock skew assumed between inputs to put the events in that order, if any.
    pub skew: Vec<AssumedSkew>,
}

/// A clock skew assumed between two inputs of one flow: a poll that the server answered with
/// "already redeemed" is logged up to `--max-skew` before the tokens it came after, so its
/// input's clock is taken to be `millis` behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssumedSkew {
    /// The input whose clock is taken to be behind.
    pub source: u32,
    /// The input whose event it was behind (the one that logged the tokens).
    pub behind: u32,
    /// By how much, at least, in milliseconds.
    pub millis: i64,
}

/// State of a group of events while linking.
#[derive(Clone, Copy, Debug, Default)]
struct GroupState {
    authorized: bool,
    polled: bool,
    ended: bool,
    has_correlation: bool,
    has_user_code: bool,
    has_device_code: bool,
}

impl GroupState {
    fn merge(self, o: GroupState) -> GroupState {
        GroupState {
            authorized: self.authorized || o.authorized,
            polled: self.polled || o.polled,
            ended: self.ended || o.ended,
            has_correlation: self.has_correlation || o.has_correlation,
            has_user_code: self.has_user_code || o.has_user_code,
            has_device_code: self.has_device_code || o.has_device_code,
        }
    }
}

/// The events that belong to token requests of other grants, which join no flow:
/// - a request that names another grant (`grant_type=refresh_token`), then its echo and its
///   response, the worker's next lines of that kind;
/// - a token request whose grant is not logged (`HTTP Request: POST .../token "200 OK"`), made by
///   a worker whose device code flow already got its last answer (tokens, a decline, an
///   expiry), with its response: a device code is polled only while its flow is open, so such a
///   request is a refresh or another grant, unless its answer says otherwise (AADSTS90120).
fn other_grant_exchanges(events: &[Event], worker_of: &[usize], workers: usize) -> Vec<bool> {
    let answered_ok = |e: &Event| {
        e.signals.iter().any(|s| match s {
            Signal::Poll {
                status: Some(status), ..
            } => (200..300).contains(status),
            Signal::Outcome(o) => *o == Outcome::Success,
            _ => false,
        })
    };
    let mut skip = vec![false; events.len()];
    // Per worker: a request of another grant waits for its echo or response; a request whose
    // grant is not logged, after its flow ended, waits for its answer; that flow has ended.
    let mut exchange = vec![false; workers];
    let mut unlogged: Vec<Option<usize>> = vec![None; workers];
    let mut ended = vec![false; workers];
    for (i, e) in events.iter().enumerate() {
        let w = worker_of[i];
        if e.signals.iter().any(|s| matches!(s, Signal::Authorization { .. })) {
            ended[w] = false;
        }
        if e.signals.contains(&Signal::OtherGrant) && !is_device_evidence(e) {
            exchange[w] = true;
            skip[i] = true;
            continue;
        }
        let answers = answers_other_grant(e);
        if answers && exchange[w] {
            // A request line without its status waits for its response; otherwise the
            // exchange is over.
            exchange[w] = e.signals.iter().all(|s| matches!(s, Signal::Poll { status: None, .. }));
            skip[i] = true;
            continue;
        }
        exchange[w] = false;
        if let Some(request) = unlogged[w].take() {
            if answers && answered_ok(e) {
                skip[request] = true;
                skip[i] = true;
                continue;
            }
        }
        let request = e.signals.iter().any(|s| matches!(s, Signal::Poll { .. }));
        if answers && request && ended[w] {
            // Tokens for it: no device code poll (a redeemed code is never answered so). An
            // error answer may be a poll of the ended flow (AADSTS90120): it stays.
            if answered_ok(e) {
                skip[i] = true;
                continue;
            }
            if e.signals.iter().all(|s| matches!(s, Signal::Poll { status: None, .. })) {
                unlogged[w] = Some(i);
            }
        }
        ended[w] |= e.signals.iter().any(|s| match s {
            Signal::Poll {
                status: Some(status), ..
            } => (200..300).contains(status),
            Signal::Outcome(o) => o.is_terminal(),
            _ => false,
        });
    }
    skip
}

/// Whether an event may be the echo or the response of a token request of another grant: a token
/// request line without the device code grant, or a response (a status, a token, an error),
/// naming no device or user code.
fn answers_other_grant(e: &Event) -> bool {
    !e.signals.is_empty()
        && e.keys.iter().all(|k| k.kind == IdKind::Correlation)
        && e.signals.iter().all(|s| match s {
            Signal::Poll { device_grant, .. } => !device_grant,
            Signal::Outcome(o) => matches!(o, Outcome::Success | Outcome::OtherError | Outcome::Blocked),
            _ => false,
        })
}

fn is_device_evidence(e: &Event) -> bool {
    e.keys.iter().any(|k| k.kind != IdKind::Correlation)
        || e.codes.iter().any(|c| DEVICE_FLOW_CODES.contains(c))
        || e.signals.iter().any(|s| match s {
            Signal::Authorization { .. } => true,
            Signal::Poll { device_grant, .. } => *device_grant,
            Signal::Outcome(o) => is_device_flow_outcome(*o),
            _ => false,
        })
}

/// Whether an answer is one only a device code flow gets: pending, slow down, declined, expired,
/// or its client giving up on it.
fn is_device_flow_outcome(o: Outcome) -> bool {
    matches!(
        o,
        Outcome::Pending | Outcome::SlowDown | Outcome::Declined | Outcome::Expired | Outcome::ClientTimeout
    )
}

/// Whether an event, naming no id, answers a device code poll as only a device code flow is
/// answered.
fn is_device_flow_answer(e: &Event) -> bool {
    e.keys.is_empty()
        && e.signals
            .iter()
            .any(|s| matches!(s, Signal::Outcome(o) if is_device_flow_outcome(*o)))
}

/// Whether a group of linked events is a device code flow: one of them shows it, or the client
/// could not open a browser here and a Conditional Access block followed (the sign-in went on in
/// a browser elsewhere, which the policy could not see as the managed device, as with a device
/// code).
fn is_device_flow(members: &[usize], events: &[Event]) -> bool {
    let any = |want: &dyn Fn(&Event) -> bool| members.iter().any(|&i| want(&events[i]));
    any(&is_device_evidence)
        || (any(&|e| e.signals.contains(&Signal::NoBrowser))
            && any(&|e| e.signals.contains(&Signal::Outcome(Outcome::Blocked))))
}

/// Numbers distinct items in order of first appearance: each item's number, and how many there are.
fn number<T: std::hash::Hash + Eq + Clone>(items: impl Iterator<Item = T>) -> (Vec<usize>, usize) {
    let mut numbered = Numbered::default();
    let numbers = items.map(|item| numbered.number(item) as usize).collect();
    (numbers, numbered.values().len())
}

/// Links events (sorted by source and line) into device code flows, ordered by first event.
pub fn correlate(events: &[Event], source_names: &[String]) -> Vec<Flow> {
    correlate_with(events, source_names, DEFAULT_MAX_SKEW_MS)
}

/// [`correlate`], taking clocks of different inputs to be up to `max_skew_ms` apart.
pub fn correlate_with(events: &[Event], source_names: &[String], max_skew_ms: i64) -> Vec<Flow> {
    let mut uf = UnionFind::default();
    let mut state: Vec<GroupState> = Vec::new();
    let mut by_key: HashMap<FlowKey, usize> = HashMap::new();
    // Workers and processes numbered once (side by side), so the maps below are indexed, not
    // hashed.
    let ((worker_of, workers), (process_of, processes)) = rayon::join(
        || number(events.iter().map(|e| &e.worker)),
        || {
            number(
                events
                    .iter()
                    .map(|e| (e.worker.source, e.worker.host.as_deref(), e.worker.pid.as_deref())),
            )
        },
    );
    // The flow each worker, each process and each input is on, most specific first.
    let mut current: Vec<Option<usize>> = vec![None; workers];
    let mut current_of_process: Vec<Option<usize>> = vec![None; processes];
    let mut unpolled_of_source: HashMap<u32, usize> = HashMap::new();
    // The flow each input's lines last touched: a line that names no worker (a prompt printed
    // bare between a program's log records) is on the flow of the lines around it.
    let mut current_of_source: HashMap<u32, usize> = HashMap::new();
    // How many flows each input has started: a worker's id-less poll joins the input's flow only
    // when that flow is the input's only one (no guessing between interleaved flows).
    let mut started_in_source: HashMap<u32, usize> = HashMap::new();
    // Workers whose last event was a request still waiting for its reply.
    let mut awaiting: Vec<bool> = vec![false; workers];
    // The last authorized, never polled flow of any input, with its time: another host or run
    // may resume it (a device code saved to disk and polled later).
    let mut unpolled_anywhere: Option<(usize, i64)> = None;
    let mut node_of_event: Vec<Option<usize>> = vec![None; events.len()];
    let other_grants = other_grant_exchanges(events, &worker_of, workers);

    let new_node = |uf: &mut UnionFind, state: &mut Vec<GroupState>| {
        state.push(GroupState::default());
        uf.add()
    };

    for (i, e) in events.iter().enumerate() {
        if other_grants[i] {
            continue;
        }
        let authorization = e.signals.iter().any(|s| matches!(s, Signal::Authorization { .. }));
        let context = e.signals.contains(&Signal::Context);
        let mut target: Option<usize> = None;
        // Keys never seen before may name the flow the worker is on (the device code in MSAL's
        // token cache record after the success, the correlation id of an acquire call).
        let fresh = !e.keys.is_empty() && e.keys.iter().all(|k| !by_key.contains_key(k));
        for k in &e.keys {
            let node = match by_key.get(k) {
                Some(&node) => node,
                None => {
                    let node = new_node(&mut uf, &mut state);
                    by_key.insert(k.clone(), node);
                    node
                }
            };
            target = Some(match target {
                Some(t) => union(&mut uf, &mut state, t, node),
                None => node,
            });
        }
        let (worker, process) = (worker_of[i], process_of[i]);
        let polling = context || e.signals.iter().any(|s| matches!(s, Signal::Poll { .. }));
        let awaiting_reply = awaiting[worker];
        let anonymous =
            e.worker.host.is_none() && e.worker.pid.is_none() && e.worker.thread.is_none() && e.worker.app.is_none();
        // A worker with no flow of its own that polls, or hears how a flow ended, without naming
        // any id (a pool worker handed the device code: `HTTP Request: POST .../token` and its
        // AADSTS90120) is on the flow its input's lines last touched.
        let only_flow = started_in_source.get(&e.worker.source) == Some(&1);
        let joins_input = anonymous
            || (only_flow
                && e.keys.is_empty()
                && !authorization
                && e.signals.iter().any(|s| {
                    matches!(
                        s,
                        Signal::Poll { .. } | Signal::Outcome(Outcome::Redeemed | Outcome::Pending | Outcome::SlowDown)
                    )
                }));
        let cur = current[worker]
            .as_ref()
            .or_else(|| joins_input.then(|| current_of_source.get(&e.worker.source)).flatten())
            .or(current_of_process[process].as_ref())
            // Another process resuming a flow that was authorized but never polled, or telling
            // how it ended (kubectl's klog `Code Expired` under its bare prompt).
            .or_else(|| {
                unpolled_of_source
                    .get(&e.worker.source)
                    .filter(|_| (polling || is_device_flow_answer(e)) && e.worker.pid.is_some())
            })
            .copied()
            .or_else(|| {
                let (node, at) = unpolled_anywhere?;
                let now = e.timestamp.as_ref()?.millis?;
                (context && (0..=RESUME_WINDOW_MS).contains(&(now - at))).then_some(node)
            })
            .map(|n| uf.find(n));
        let joins_current = |t: Option<usize>, uf: &mut UnionFind, cur: usize, state: &[GroupState]| {
            let c = state[cur];
            let t_state = t.map(|t| state[uf.find(t)]).unwrap_or_default();
            if authorization {
                // The request, its response and the prompt of one authorization; a user code
                // the flow does not know (fresh ones are not in any state yet) is another's.
                let user_code = t_state.has_user_code || e.keys.iter().any(|k| k.kind == IdKind::UserCode);
                let other_flow = (c.has_user_code && user_code) || (c.has_correlation && t_state.has_correlation);
                c.authorized && !c.polled && !other_flow
            } else if fresh {
                let kinds_free = e.keys.iter().all(|k| match k.kind {
                    IdKind::DeviceCode => !c.has_device_code,
                    IdKind::UserCode => !c.has_user_code,
                    // A client announcing the correlation id of the flow it is about to poll.
                    IdKind::Correlation => !c.has_correlation && !c.ended,
                });
                // A response whose correlation id is new (clients that send no
                // client-request-id get a new one on every reply) answers the open flow's poll.
                let response = e.signals.iter().any(|s| matches!(s, Signal::Outcome(_)));
                let only_correlation = e.keys.iter().all(|k| k.kind == IdKind::Correlation);
                (kinds_free && (!context || !c.ended)) || (response && only_correlation && awaiting_reply)
            } else {
                false
            }
        };
        target = match (target, cur) {
            (Some(t), Some(c)) if uf.find(t) != c && joins_current(Some(t), &mut uf, c, &state) => {
                Some(union(&mut uf, &mut state, t, c))
            }
            (Some(t), _) => {
                if fresh {
                    // Ids never seen before, joining no open flow: a flow starts here.
                    *started_in_source.entry(e.worker.source).or_default() += 1;
                }
                Some(t)
            }
            // A sign-in handed to a browser elsewhere: a flow of its own, should a Conditional
            // Access block follow (it counts as no flow of its input until then). While the
            // worker's device code flow is still open, the line is none of its business.
            (None, c) if !authorization && e.signals.contains(&Signal::NoBrowser) => match c.map(|c| state[c]) {
                Some(open) if !open.ended && (open.authorized || open.polled) => None,
                _ => Some(new_node(&mut uf, &mut state)),
            },
            (None, Some(c)) if !authorization || joins_current(None, &mut uf, c, &state) => Some(c),
            (None, _) if authorization || is_device_evidence(e) => {
                *started_in_source.entry(e.worker.source).or_default() += 1;
                Some(new_node(&mut uf, &mut state))
            }
            (None, _) => None,
        };
        let Some(t) = target else { continue };
        let root = uf.find(t);
        let s = &mut state[root];
        s.authorized |= authorization;
        s.polled |= e
            .signals
            .iter()
            .any(|s| matches!(s, Signal::Poll { .. } | Signal::Outcome(_)));
        s.ended |= e
            .signals
            .iter()
            .any(|s| matches!(s, Signal::Outcome(o) if o.is_terminal()));
        s.has_correlation |= e.keys.iter().any(|k| k.kind == IdKind::Correlation);
        s.has_user_code |= e.keys.iter().any(|k| k.kind == IdKind::UserCode);
        s.has_device_code |= e.keys.iter().any(|k| k.kind == IdKind::DeviceCode);
        node_of_event[i] = Some(t);
        let polls = e.signals.iter().any(|s| matches!(s, Signal::Poll { .. }));
        let answers = e.signals.iter().any(|s| matches!(s, Signal::Outcome(_)));
        if polls && !answers {
            awaiting[worker] = true;
        } else if answers {
            awaiting[worker] = false;
        }
        current[worker] = Some(t);
        current_of_process[process] = Some(t);
        current_of_source.insert(e.worker.source, t);
        let s = state[uf.find(t)];
        if s.authorized && !s.polled {
            unpolled_of_source.insert(e.worker.source, t);
            if let Some(at) = e.timestamp.as_ref().and_then(|ts| ts.millis) {
                unpolled_anywhere = Some((t, at));
            }
        } else if unpolled_of_source
            .get(&e.worker.source)
            .is_some_and(|&n| uf.find(n) == uf.find(t))
        {
            unpolled_of_source.remove(&e.worker.source);
        }
        if unpolled_anywhere.is_some_and(|(n, _)| uf.find(n) == uf.find(t)) && s.polled {
            unpolled_anywhere = None;
        }
    }

    // Collect groups in order of their first event.
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, node) in node_of_event.iter().enumerate() {
        let Some(n) = node else { continue };
        let root = uf.find(*n);
        let g = *group_of_root.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    let mut keys_of_root: HashMap<usize, Vec<FlowKey>> = HashMap::new();
    for (k, &n) in &by_key {
        keys_of_root.entry(uf.find(n)).or_default().push(k.clone());
    }
    let mut roots: Vec<(usize, usize)> = group_of_root.into_iter().map(|(r, g)| (g, r)).collect();
    roots.sort();
    let groups: Vec<(Vec<usize>, Vec<FlowKey>)> = roots
        .into_iter()
        .map(|(g, root)| {
            (
                std::mem::take(&mut groups[g]),
                keys_of_root.remove(&root).unwrap_or_default(),
            )
        })
        .collect();
    // Each group becomes a flow on its own: on every thread, in order.
    groups
        .into_par_iter()
        .filter(|(members, _)| is_device_flow(members, events))
        .map(|(members, mut keys)| {
            keys.sort();
            let first = &events[members[0]];
            let id = flow_id(&keys, &members, events).unwrap_or_else(|| {
                let name = source_names.get(first.source as usize).map_or("-", String::as_str);
                format!("log:{name}:{}", first.line)
            });
            let skew = assumed_skew(&members, events, max_skew_ms);
            Flow {
                id,
                keys,
                events: order_by_time(members, events, &skew),
                skew,
            }
        })
        .collect()
}

fn union(uf: &mut UnionFind, state: &mut [GroupState], a: usize, b: usize) -> usize {
    let (ra, rb) = (uf.find(a), uf.find(b));
    if ra == rb {
        return ra;
    }
    let merged = state[ra].merge(state[rb]);
    let root = uf.union(ra, rb);
    state[root] = merged;
    root
}

/// The first-seen device code, else user code, else correlation id.
fn flow_id(keys: &[FlowKey], members: &[usize], events: &[Event]) -> Option<String> {
    for kind in [IdKind::DeviceCode, IdKind::UserCode, IdKind::Correlation] {
        let first_seen = members
            .iter()
            .flat_map(|&i| events[i].keys.iter())
            .find(|k| k.kind == kind && keys.contains(k));
        if let Some(k) = first_seen {
            return Some(k.to_string());
        }
    }
    None
}

/// The clock skews a flow's events show between inputs, within `max_skew_ms`: a poll answered
/// "already redeemed" (AADSTS90120) came after the tokens another input logged, so when it is
/// logged before them, by no more than `max_skew_ms`, its input's clock is behind by at least
/// the difference (and the poll is put after the tokens). At most one per input: the largest.
fn assumed_skew(members: &[usize], events: &[Event], max_skew_ms: i64) -> Vec<AssumedSkew> {
    let millis = |i: usize| events[i].timestamp.as_ref().and_then(|t| t.millis);
    let has = |i: usize, o: Outcome| events[i].signals.contains(&Signal::Outcome(o));
    // The first tokens by time: the poll that redeemed the code.
    let Some((tokens_at, tokens)) = members
        .iter()
        .filter(|&&i| has(i, Outcome::Success))
        .filter_map(|&i| Some((millis(i)?, i)))
        .min()
    else {
        return Vec::new();
    };
    let mut skew: Vec<AssumedSkew> = Vec::new();
    // Each worker's last request: the poll a reply answers.
    let mut request: HashMap<&crate::model::Worker, i64> = HashMap::new();
    for &i in members {
        let e = &events[i];
        let Some(at) = millis(i) else { continue };
        if e.signals.iter().any(|s| matches!(s, Signal::Poll { .. })) {
            request.insert(&e.worker, at);
        }
        if e.source == events[tokens].source || !has(i, Outcome::Redeemed) {
            continue;
        }
        let asked = request.get(&e.worker).copied().unwrap_or(at).min(at);
        let gap = tokens_at - asked;
        if gap < 0 || gap >= max_skew_ms {
            continue;
        }
        let assumed = AssumedSkew {
            source: e.source,
            behind: events[tokens].source,
            millis: gap + 1,
        };
        match skew.iter_mut().find(|s| s.source == e.source) {
            Some(s) if s.millis < assumed.millis => *s = assumed,
            Some(_) => {}
            None => skew.push(assumed),
        }
    }
    skew
}

/// Orders a flow's events: each input's events keep their order in the input, and inputs are
/// merged by time where every event has one (a log's own order beats timestamps of differing
/// precision), each input's times moved by the `skew` assumed for it.
fn order_by_time(members: Vec<usize>, events: &[Event], skew: &[AssumedSkew]) -> Vec<usize> {
    let millis = |i: usize| events[i].timestamp.as_ref().and_then(|t| t.millis);
    let shift = |i: usize| {
        skew.iter()
            .find(|s| s.source == events[i].source)
            .map_or(0, |s| s.millis)
    };
    if members.iter().any(|&i| millis(i).is_none()) {
        return members;
    }
    let mut by_source: Vec<std::collections::VecDeque<usize>> = Vec::new();
    for &i in &members {
        match by_source
            .iter_mut()
            .find(|q| q.front().is_some_and(|&f| events[f].source == events[i].source))
        {
            Some(q) => q.push_back(i),
            None => by_source.push(std::collections::VecDeque::from([i])),
        }
    }
    let mut out = Vec::with_capacity(members.len());
    while let Some(q) = by_source.iter_mut().filter(|q| !q.is_empty()).min_by_key(|q| {
        let f = *q.front().expect("not empty");
        (millis(f).map(|m| m + shift(f)), events[f].source, events[f].line)
    }) {
        out.push(q.pop_front().expect("not empty"));
    }
    out
}
