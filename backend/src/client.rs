//! The client's address, computed once per request at the edge (see `server::http::client`)
//! and read from the request's extensions by every entry point (REST, panel, POS).

use std::net::IpAddr;

/// Request extension: the address of the client itself, not of a trusted reverse proxy in
/// front of it. Throttles and audit entries use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client address: when `peer` is a trusted proxy, the right-most address of the
/// forwarding chain (`Forwarded: for=` entries, else `X-Forwarded-For`) that is not itself a
/// trusted proxy; otherwise (or when the chain names no usable address) `peer`. Right-most:
/// entries to the left were written by the client and can be forged.
pub fn client_ip(
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all(axum::http::header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|elem| {
            elem.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then_some(v.trim())
            })
        })
        .collect();
    let chain: Vec<&str> = if forwarded.is_empty() {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect()
    } else {
        forwarded
    };
    for entry in chain.iter().rev() {
        match parse_node(entry) {
            Some(ip) if is_trusted(&ip) => continue,
            Some(ip) => return ip,
            // An obfuscated or unknown node: nothing further left can be trusted.
            None => break,
        }
    }
    peer
}

/// `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:443"`, `[2001:db8::1]`, `2001:db8::1`.
fn parse_node(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, _port) = s.rsplit_once(':')?;
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn right_most_untrusted_entry_behind_a_trusted_proxy() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let other: IpAddr = "192.0.2.9".parse().unwrap();
        let xff = h(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.9")]);
        assert_eq!(client_ip(proxy, &xff, &trusted).to_string(), "203.0.113.7");
        // Not from a trusted proxy: the headers are ignored.
        assert_eq!(client_ip(other, &xff, &trusted), other);
        assert_eq!(client_ip(proxy, &xff, &[]), proxy);
        let fwd = h(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::1]:443\";proto=https, for=10.1.1.1",
        )]);
        assert_eq!(client_ip(proxy, &fwd, &trusted).to_string(), "2001:db8::1");
        let hidden = h(&[("forwarded", "for=203.0.113.7, for=_hidden")]);
        assert_eq!(client_ip(proxy, &hidden, &trusted), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        let ported = h(&[("x-forwarded-for", "203.0.113.7:5555")]);
        assert_eq!(
            client_ip(proxy, &ported, &trusted).to_string(),
            "203.0.113.7"
        );
    }
}
