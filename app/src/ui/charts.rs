//! Small SVG charts drawn in the page (no chart library): vertical bars with labels.

use leptos::prelude::*;

/// A vertical bar chart of `(label, value)`; every `label_every`-th label is printed.
/// `note`: a line under the title; `limit`: a dashed line at that value (e.g. a capacity).
#[component]
pub fn BarChart(
    title: &'static str,
    data: Vec<(String, u64)>,
    #[prop(default = 1)] label_every: usize,
    #[prop(default = "#3b6fd8")] color: &'static str,
    #[prop(optional, into)] note: Option<String>,
    #[prop(default = None)] limit: Option<u64>,
) -> impl IntoView {
    let (w, h, pad_l, pad_b, pad_t) = (640.0_f64, 220.0_f64, 36.0_f64, 34.0_f64, 14.0_f64);
    let max = data
        .iter()
        .map(|d| d.1)
        .chain(limit)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = data.len().max(1) as f64;
    let slot = (w - pad_l - 8.0) / n;
    let bar = (slot * 0.75).max(1.0);
    let plot_h = h - pad_b - pad_t;
    let every = label_every.max(1);
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let bh = (*v as f64) / max * plot_h;
            let x = pad_l + i as f64 * slot + (slot - bar) / 2.0;
            let y = pad_t + plot_h - bh;
            let show = i % every == 0;
            let tip = format!("{label}: {v}");
            view! {
                <g>
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar:.1}")
                        height=format!("{bh:.1}") fill=color><title>{tip}</title></rect>
                    {show.then(|| view! {
                        <text x=format!("{:.1}", x + bar / 2.0) y=format!("{:.1}", h - pad_b + 14.0)
                            text-anchor="middle" class="chart-label">{label.clone()}</text>
                    })}
                </g>
            }
        })
        .collect_view();
    let max_label = format!("{}", max as u64);
    let limit_line = limit.map(|l| {
        let y = pad_t + plot_h - (l as f64) / max * plot_h;
        view! {
            <line class="chart-limit" x1=pad_l y1=format!("{y:.1}") x2=w - 4.0 y2=format!("{y:.1}")
                stroke="#c2453b" stroke-dasharray="6 4"><title>{format!("Limit: {l}")}</title></line>
        }
    });
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            {note.map(|n| view! { <p class="muted chart-note">{n}</p> })}
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-label=title preserveAspectRatio="xMidYMid meet">
                <line x1=pad_l y1=pad_t x2=pad_l y2=h - pad_b stroke="#c9cfdb"/>
                <line x1=pad_l y1=h - pad_b x2=w - 4.0 y2=h - pad_b stroke="#c9cfdb"/>
                <text x=pad_l - 4.0 y=pad_t + 4.0 text-anchor="end" class="chart-label">{max_label}</text>
                <text x=pad_l - 4.0 y=h - pad_b text-anchor="end" class="chart-label">"0"</text>
                {bars}
                {limit_line}
            </svg>
            {data.is_empty().then(|| view! { <p class="muted">"No data for these filters."</p> })}
        </figure>
    }
}

/// One horizontal bar split in two shares (e.g. free vs paid).
#[component]
pub fn SplitBar(
    title: &'static str,
    left: (&'static str, u64),
    right: (&'static str, u64),
) -> impl IntoView {
    let total = (left.1 + right.1).max(1) as f64;
    let lw = left.1 as f64 / total * 600.0;
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg viewBox="0 0 640 60" role="img" aria-label=title>
                <rect x="20" y="10" width=format!("{lw:.1}") height="24" fill="#2e9e6a"/>
                <rect x=format!("{:.1}", 20.0 + lw) y="10" width=format!("{:.1}", 600.0 - lw) height="24" fill="#d88a3b"/>
                <text x="20" y="52" class="chart-label">{format!("{}: {}", left.0, left.1)}</text>
                <text x="620" y="52" text-anchor="end" class="chart-label">{format!("{}: {}", right.0, right.1)}</text>
            </svg>
        </figure>
    }
}
