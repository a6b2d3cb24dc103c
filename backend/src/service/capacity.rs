//! Live capacity of a location (issue 19; DOMAIN.md "Locations and terminals").
//!
//! Live occupancy = people admitted (the cardholder and the guests of every `COMPLETED` entry,
//! online or offline; `REVERSED` ones excluded) with `occurred_at` within the location's
//! typical stay (`stay_minutes`) before now, plus the seats open grants reserve: a `PENDING`
//! grant not yet expired holds one seat for its cardholder, and `reserved_guests` more while
//! its confirm runs. A check that would take the occupancy over the capacity is rejected with
//! `LOCATION_FULL` (decided by the pure engine, given the occupancy as a fact); a confirm
//! whose guests don't fit is refused the same way and the grant stays open.
//!
//! Atomicity: at a location with a capacity, counting and writing the seat happen under the
//! location's lease (`location_capacity_claims`, one row per location, taken by a conditional
//! UPDATE: free or lapsed → held by this decision), the same pattern as the ruleset cap lease
//! in [`super::entry`]. The database arbitrates, so it holds across app servers, on SQLite and
//! PostgreSQL. A crashed holder's lease lapses after [`LEASE_MS`].

use super::super::entity::{location_capacity_claims as claims, locations, operations};
use super::super::error::{ServiceError, ServiceResult};
use super::super::{Backend, Principal};
use access_core::model::OccupancyView;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

/// How long a decision waits for the location's lease; the lease a crashed holder leaves.
const LEASE_WAIT: std::time::Duration = std::time::Duration::from_millis(5000);
const LEASE_MS: i64 = 30_000;
const POLL: std::time::Duration = std::time::Duration::from_millis(5);

/// People in and seats reserved at a location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// Cardholders and guests of completed entries within the stay.
    pub people_in: u32,
    /// Seats held by open grants.
    pub reserved: u32,
}

impl Occupancy {
    pub fn total(&self) -> u32 {
        self.people_in.saturating_add(self.reserved)
    }
}

fn stay_ms(l: &locations::Model) -> i64 {
    i64::from(l.stay_minutes.max(1)) * 60_000
}

/// The location's occupancy at `now_ms`. `until`: count only entries up to that instant (an
/// explanation as of a past time); a live decision passes `None`, so an entry stamped a little
/// ahead by another app server's clock still counts. `except`: an operation left out (the
/// grant whose confirm is being checked).
pub async fn occupancy<C: ConnectionTrait>(
    db: &C,
    l: &locations::Model,
    now_ms: i64,
    until: Option<i64>,
    except: Option<&str>,
) -> ServiceResult<Occupancy> {
    // One statement, so one snapshot: an entry that completes meanwhile is counted either as
    // the open grant it was or as the completed entry it is, never missed.
    let since = now_ms - stay_ms(l);
    // The instants are this function's own integers (never input text), written inline: a
    // bound parameter inside a custom expression is not portable between the two databases.
    let people = Expr::cust(format!(
        "COALESCE(SUM(CASE WHEN status = 'COMPLETED' AND occurred_at > {since} \
         THEN 1 + free_adult_guests + paid_adult_guests + free_child_guests + paid_child_guests \
         ELSE 0 END), 0)"
    ));
    let held = Expr::cust(format!(
        "COALESCE(SUM(CASE WHEN status = 'PENDING' AND expires_at > {now_ms} \
         THEN 1 + reserved_guests ELSE 0 END), 0)"
    ));
    let mut q = operations::Entity::find()
        .select_only()
        .column_as(people, "people_in")
        .column_as(held, "reserved")
        .filter(operations::Column::LocationId.eq(l.id.clone()))
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(operations::Column::Status.eq("COMPLETED"))
                        .add(operations::Column::OccurredAt.gt(since)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(operations::Column::Status.eq("PENDING"))
                        .add(operations::Column::ExpiresAt.gt(now_ms)),
                ),
        );
    if let Some(u) = until {
        q = q.filter(operations::Column::OccurredAt.lte(u));
    }
    if let Some(id) = except {
        q = q.filter(operations::Column::Id.ne(id));
    }
    let (people_in, reserved): (Option<i64>, Option<i64>) =
        q.into_tuple().one(db).await?.unwrap_or((Some(0), Some(0)));
    let clamp = |n: Option<i64>| n.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
    Ok(Occupancy {
        people_in: clamp(people_in),
        reserved: clamp(reserved),
    })
}

/// The occupancy now, for the location page (scoped like the location itself).
pub async fn view(b: &Backend, p: &Principal, location_id: &str) -> ServiceResult<OccupancyView> {
    // Scope and existence: as the location page.
    super::locations::get(b, p, location_id).await?;
    let l = locations::Entity::find_by_id(location_id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let o = occupancy(&b.db, &l, b.now_ms(), None, None).await?;
    Ok(OccupancyView {
        people_in: o.people_in,
        reserved: o.reserved,
        capacity: l.capacity,
        stay_minutes: l.stay_minutes,
    })
}

/// A taken lease on a location's capacity (or none needed: no capacity).
#[derive(Debug, PartialEq, Eq)]
pub enum Lease {
    /// The location has no capacity: nothing to count.
    Unlimited,
    Held {
        location_id: String,
        holder: String,
    },
    /// Another decision held it for longer than [`LEASE_WAIT`].
    Busy,
}

/// Lease the location's capacity row for `holder` when the location has a capacity.
pub async fn lease(b: &Backend, l: &locations::Model, holder: &str) -> ServiceResult<Lease> {
    if l.capacity.is_none() {
        return Ok(Lease::Unlimited);
    }
    let row = claims::ActiveModel {
        location_id: Set(l.id.clone()),
        holder: Set(None),
        held_until: Set(0),
        updated_at: Set(b.now_ms()),
    };
    let created = claims::Entity::insert(row)
        .on_conflict(
            OnConflict::column(claims::Column::LocationId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&b.db)
        .await;
    if let Err(e) = created {
        if !matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            return Err(e.into());
        }
    }
    let started = std::time::Instant::now();
    loop {
        let now = b.now_ms();
        let taken = claims::Entity::update_many()
            .col_expr(claims::Column::Holder, Some(holder.to_owned()).into())
            .col_expr(claims::Column::HeldUntil, (now + LEASE_MS).into())
            .col_expr(claims::Column::UpdatedAt, now.into())
            .filter(claims::Column::LocationId.eq(l.id.clone()))
            .filter(
                sea_orm::Condition::any()
                    .add(claims::Column::Holder.is_null())
                    .add(claims::Column::HeldUntil.lte(now)),
            )
            .exec(&b.db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Lease::Held {
                location_id: l.id.clone(),
                holder: holder.to_owned(),
            });
        }
        if started.elapsed() >= LEASE_WAIT {
            return Ok(Lease::Busy);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Give the lease back (only if still ours). Never fails the caller: a lease not given back
/// lapses after [`LEASE_MS`].
pub async fn release(b: &Backend, lease: &Lease) {
    let Lease::Held {
        location_id,
        holder,
    } = lease
    else {
        return;
    };
    let res = claims::Entity::update_many()
        .col_expr(claims::Column::Holder, Option::<String>::None.into())
        .col_expr(claims::Column::HeldUntil, 0i64.into())
        .col_expr(claims::Column::UpdatedAt, b.now_ms().into())
        .filter(claims::Column::LocationId.eq(location_id.clone()))
        .filter(claims::Column::Holder.eq(holder.clone()))
        .exec(&b.db)
        .await;
    if let Err(e) = res {
        tracing::error!(error = %e, "releasing a location capacity lease failed; it lapses");
    }
}

/// The outcome of [`reserve_guests`].
#[derive(Debug, PartialEq, Eq)]
pub enum GuestSeats {
    /// Reserved on the grant (or nothing to reserve).
    Reserved,
    /// The guests don't fit: `LOCATION_FULL`.
    Full,
    /// The location's lease could not be taken in time.
    Busy,
}

/// At a confirm with guests: under the location's lease, check that the grant's cardholder
/// and `guests` fit beside everyone else, and reserve the guests' seats on the grant (the
/// update requires the confirm's `claim`, so a confirm that lost its claim reserves nothing).
pub async fn reserve_guests(
    b: &Backend,
    o: &operations::Model,
    guests: u32,
    claim: &str,
) -> ServiceResult<GuestSeats> {
    if guests == 0 {
        return Ok(GuestSeats::Reserved);
    }
    let Some(location_id) = o.location_id.as_deref() else {
        return Ok(GuestSeats::Reserved);
    };
    let Some(l) = locations::Entity::find_by_id(location_id.to_owned())
        .one(&b.db)
        .await?
    else {
        return Ok(GuestSeats::Reserved);
    };
    let Some(cap) = l.capacity else {
        return Ok(GuestSeats::Reserved);
    };
    let lease = lease(b, &l, claim).await?;
    if lease == Lease::Busy {
        return Ok(GuestSeats::Busy);
    }
    let outcome = async {
        let others = occupancy(&b.db, &l, b.now_ms(), None, Some(&o.id)).await?;
        let wanted = u64::from(others.total()) + 1 + u64::from(guests);
        if wanted > u64::from(cap.max(0) as u32) {
            return Ok(GuestSeats::Full);
        }
        operations::Entity::update_many()
            .col_expr(operations::Column::ReservedGuests, (guests as i32).into())
            .filter(operations::Column::Id.eq(o.id.clone()))
            .filter(operations::Column::ConfirmClaim.eq(claim))
            .exec(&b.db)
            .await?;
        Ok::<_, ServiceError>(GuestSeats::Reserved)
    }
    .await;
    release(b, &lease).await;
    outcome
}
