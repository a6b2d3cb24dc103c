//! Enrolled cards: the details show the free and paid visits the card has left under each
//! ruleset, and they agree with what the door then says.

use crate::common;

use backend::demo::{self, LOC_WAW_LOUNGE};
use backend::demo_world::{CARD_WORLD, RULESET_WORLD};
use common::pos::paired;
use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn world_visits(app: &TestApp, token: &str) -> Value {
    let (s, page) = app
        .call(
            Method::GET,
            "/api/v1/admin/enrolled-cards?last4=1232",
            token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let id = page["items"][0]["id"]
        .as_str()
        .expect("the demo World card");
    let (s, d) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/enrolled-cards/{id}"),
            token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let text = d.to_string();
    assert!(!text.contains(CARD_WORLD), "clear PAN in {text}");
    d["visits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["ruleset_id"] == RULESET_WORLD)
        .cloned()
        .unwrap_or_else(|| panic!("World ruleset not in {d}"))
}

#[tokio::test]
async fn card_details_show_visits_available_and_the_door_agrees() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let before = world_visits(&app, &admin).await;
        assert_eq!(before["ruleset_name"], "World lounge access");
        assert_eq!(before["period_days"], 365);
        assert_eq!(before["free_used"], 0);
        assert_eq!(before["free_available"], 3);
        // 25 EUR a visit once the free ones are used, without a limit.
        assert_eq!(before["paid_available"], Value::Null);

        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
        assert_eq!(
            g["remainingVisits"],
            json!({"free": 2, "paid": null}),
            "{g}"
        );
        let done = t
            .confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(done["status"], "COMPLETED", "{done}");

        let after = world_visits(&app, &admin).await;
        assert_eq!(after["free_used"], 1);
        assert_eq!(after["free_available"], g["remainingVisits"]["free"]);

        // A Call Center user sees the same (read-only role).
        let cc = app
            .token("callcenter@demo.example", &app.others_password)
            .await;
        assert_eq!(world_visits(&app, &cc).await, after);
        app.finish().await;
    }
}
