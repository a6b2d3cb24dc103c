//! The panel's live operations feed (SSE): a browser with a session gets an event when a
//! terminal's entry is recorded and when it changes, without polling the list.

use crate::common;

use backend::demo::{self, LOC_WAW_LOUNGE};
use common::pos::paired;
use common::TestApp;
use reqwest::StatusCode;
use std::time::Duration;

/// Reads the stream until the next `operations` event; its data (the change mark).
async fn next_event(resp: &mut reqwest::Response, buf: &mut String) -> String {
    let read = async {
        loop {
            if let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                if block.lines().any(|l| l == "event: operations") {
                    if let Some(d) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                        return d.to_owned();
                    }
                }
                continue;
            }
            let chunk = resp.chunk().await.expect("stream").expect("stream open");
            buf.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("an operations event within 10 s")
}

#[tokio::test]
async fn open_lists_hear_of_new_and_changed_operations() {
    for app in TestApp::each().await {
        // Without a session: refused.
        let resp = app
            .http
            .get(app.url("/api/panel/operations/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let mut feed = app
            .http
            .get(app.url("/api/panel/operations/events"))
            .header("cookie", app.admin_cookie().await)
            .send()
            .await
            .unwrap();
        assert_eq!(feed.status(), StatusCode::OK);
        assert_eq!(
            feed.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let mut buf = String::new();
        // The first event says the feed is up, with the current mark.
        let first = next_event(&mut feed, &mut buf).await;

        // A terminal checks a card: a new (PENDING) operation → an event with a new mark.
        app.clock.advance(chrono::Duration::seconds(1));
        let granted = t.check("5412345678901232", "CONTACTLESS").await.unwrap();
        assert_eq!(granted["status"], "GRANTED", "{granted}");
        let second = next_event(&mut feed, &mut buf).await;
        assert_ne!(second, first);

        // The confirmation changes that operation → another event.
        app.clock.advance(chrono::Duration::seconds(1));
        let done = t
            .confirm(granted["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(done["status"], "COMPLETED", "{done}");
        let third = next_event(&mut feed, &mut buf).await;
        assert_ne!(third, second);
        // No operation data on the wire: the mark only.
        assert!(!buf.contains("541234"), "{buf}");
        drop(feed);
        app.finish().await;
    }
}

/// One user holds at most `MAX_FEEDS_PER_USER` feeds on a server (tabs); the next is a 429 with
/// `Retry-After`, while another user is not affected.
#[tokio::test]
async fn one_user_cannot_pin_more_than_a_few_feeds() {
    for app in TestApp::each().await {
        let cookie = app
            .session_cookie("user@demo.example", &app.others_password)
            .await;
        let open = || {
            app.http
                .get(app.url("/api/panel/operations/events"))
                .header("cookie", cookie.clone())
                .send()
        };
        let mut feeds = Vec::new();
        for _ in 0..server::http::live::MAX_FEEDS_PER_USER {
            let resp = open().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{}", app.db.name());
            feeds.push(resp);
        }
        let refused = open().await.unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.headers().contains_key("retry-after"));
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_requests", "{body}");

        // The admin still gets one.
        let admin = app
            .http
            .get(app.url("/api/panel/operations/events"))
            .header("cookie", app.admin_cookie().await)
            .send()
            .await
            .unwrap();
        assert_eq!(admin.status(), StatusCode::OK);
        drop(feeds);
        drop(admin);
        app.finish().await;
    }
}
