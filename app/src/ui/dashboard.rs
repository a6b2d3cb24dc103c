//! The traffic dashboard: entries per day and hour, occupancy over the day, guest entries, free vs paid, rejections
//! by code and top locations, filterable by date range, location and service (in the URL).
//! Days and hours are local to the chosen location, else to the chosen zone (`tz`), else UTC.

use super::charts::{BarChart, SplitBar};
use crate::api::dashboard::get_dashboard;
use crate::api::locations::list_time_zones;
use crate::api::operations::operation_locations;
use access_core::model::DashboardFilter;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

fn query_filter() -> Memo<DashboardFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            DashboardFilter {
                from: get("from"),
                until: get("until"),
                location_id: get("location_id"),
                service_code: get("service_code"),
                tz: get("tz"),
            }
        })
    })
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let filter = query_filter();
    let data = Resource::new(move || filter.get(), get_dashboard);
    let locations = Resource::new(|| (), |_| operation_locations());
    let zones = Resource::new(|| (), |_| list_time_zones());
    let f = move || filter.get();
    view! {
        <Title text="Dashboard · Access Control"/>
        <section class="dashboard">
            <h1>"Dashboard"</h1>
            <Form method="GET" action="/" attr:class="filters">
                <label>"From"<input type="date" name="from" prop:value=move || f().from.unwrap_or_default()/></label>
                <label>"Until"<input type="date" name="until" prop:value=move || f().until.unwrap_or_default()/></label>
                <label>"Location"
                    <select name="location_id">
                        <option value="">"All"</option>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let current = filter.get_untracked().location_id.unwrap_or_default();
                                locations
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|l| {
                                        let selected = l.id == current;
                                        view! { <option value=l.id selected=selected>{l.name}</option> }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                <label>"Service"<input name="service_code" prop:value=move || f().service_code.unwrap_or_default() size="10"/></label>
                <label title="Used when no single location is chosen; a location's own zone applies otherwise">"Time zone"
                    <select name="tz">
                        <option value="">"UTC"</option>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let current = filter.get_untracked().tz.unwrap_or_default();
                                zones
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .filter(|z| z != "UTC")
                                    .map(|z| {
                                        let selected = z == current;
                                        let label = z.clone();
                                        view! { <option value=z selected=selected>{label}</option> }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </label>
                <button type="submit">"Apply"</button>
                <A href="/">"Clear"</A>
            </Form>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => {
                            let per_day: Vec<(String, u64)> = d.per_day.iter().map(|(day, n, _)| (day.get(5..).unwrap_or(day).to_owned(), *n)).collect();
                            let guests_day: Vec<(String, u64)> = d.per_day.iter().map(|(day, _, g)| (day.get(5..).unwrap_or(day).to_owned(), *g)).collect();
                            let every = (per_day.len() / 12).max(1);
                            let occupancy_note = match d.capacity {
                                Some(c) => format!("{} (local time), people in every 30 minutes; capacity {c}", d.occupancy_day),
                                None => format!("{} (local time), people in every 30 minutes", d.occupancy_day),
                            };
                            let per_hour: Vec<(String, u64)> = d.per_hour.iter().enumerate().map(|(h, n)| (format!("{h:02}"), *n)).collect();
                            view! {
                                <p class="muted" data-time-zone=d.time_zone.clone()>{format!("Days and hours in {}.", d.time_zone)}</p>
                                <div class="stats">
                                    <div class="stat"><span class="stat-value" data-stat="entries">{d.entries}</span><span class="stat-label">"Entries"</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="guests">{d.adult_guests + d.child_guests}</span><span class="stat-label">{format!("Guest entries ({} adult, {} child)", d.adult_guests, d.child_guests)}</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="free">{d.free_entries}</span><span class="stat-label">"Free"</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="paid">{d.paid_entries}</span><span class="stat-label">"Paid"</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="rejections">{d.rejections}</span><span class="stat-label">"Rejections"</span></div>
                                </div>
                                <div class="charts">
                                    <BarChart title="Entries per day" data=per_day label_every=every/>
                                    <BarChart title="Entries per hour of day (local time)" data=per_hour label_every=3 color="#6a4fc2"/>
                                    <BarChart title="Occupancy over the day" data=d.occupancy.clone() label_every=4 color="#1f8a8a"
                                        note=occupancy_note limit=d.capacity.map(u64::from)/>
                                    <BarChart title="Guest entries per day" data=guests_day label_every=every color="#2e9e6a"/>
                                    <SplitBar title="Free vs paid entries" left=("Free", d.free_entries) right=("Paid", d.paid_entries)/>
                                    <BarChart title="Rejections by code" data=d.rejections_by_code color="#c2453b"/>
                                    <BarChart title="Top locations" data=d.top_locations color="#d88a3b"/>
                                </div>
                            }
                                .into_any()
                        }
                        Err(e) => super::status::error_page(e),
                    }
                })}
            </Transition>
        </section>
    }
}
