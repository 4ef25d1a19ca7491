//! Where TAXII passwords and tokens come from: an environment variable first, then the OS
//! keyring (macOS Keychain, Windows Credential Manager, the Linux kernel keyutils store).
//!
//! Secrets are never written to the feed list or logged. On Linux the kernel keyring keeps a
//! secret for the login session and the user's persistent keyring (a few days by default), not
//! across reboots; CI machines and containers often have no keyring at all. Both cases end in
//! an error that names the environment variable to set instead.

use super::feeds::{AuthKind, FeedConfig};
use super::http::Credentials;

/// Environment variable with the password for Basic authentication.
pub const PASSWORD_ENV: &str = "THREATLENS_TAXII_PASSWORD";

/// Environment variable with the bearer token, when a feed names no variable of its own.
pub const TOKEN_ENV: &str = "THREATLENS_TAXII_TOKEN";

/// The keyring service under which every feed's secret is stored (the feed name is the user).
const KEYRING_SERVICE: &str = "org.threatlens.taxii";

/// Why no secret could be stored or found.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The keyring is not usable here.
    #[error(
        "the OS keyring cannot be used here (it said: {reason}); set {variable} in the \
         environment instead (feed {feed})"
    )]
    NoKeyring {
        /// The feed.
        feed: String,
        /// The variable that works without a keyring.
        variable: String,
        /// The keyring's own message.
        reason: String,
    },
    /// Neither the environment nor the keyring holds a secret for the feed.
    #[error(
        "no {what} stored for feed {feed}; run `threatlens intel add-taxii` with \
         --password-stdin, or set {variable}"
    )]
    Missing {
        /// The feed.
        feed: String,
        /// "password" or "token".
        what: &'static str,
        /// The environment variable to set.
        variable: String,
    },
}

/// The environment variable that provides `feed`'s secret, if it needs one.
pub fn secret_variable(feed: &FeedConfig) -> Option<String> {
    match feed.auth {
        AuthKind::None => None,
        AuthKind::Basic => Some(PASSWORD_ENV.to_owned()),
        AuthKind::Bearer => Some(feed.token_env.clone().unwrap_or_else(|| TOKEN_ENV.into())),
    }
}

/// Stores `secret` for `feed` in the OS keyring.
pub fn store_secret(feed: &FeedConfig, secret: &str) -> Result<(), SecretError> {
    let no_keyring = |error: keyring::Error| SecretError::NoKeyring {
        feed: feed.name.clone(),
        variable: secret_variable(feed).unwrap_or_else(|| PASSWORD_ENV.into()),
        reason: error.to_string(),
    };
    let entry = keyring::Entry::new(KEYRING_SERVICE, &feed.name).map_err(no_keyring)?;
    entry.set_password(secret).map_err(no_keyring)
}

/// The credentials for `feed`: from its environment variable if set, else from the keyring.
pub fn credentials_for(feed: &FeedConfig) -> Result<Credentials, SecretError> {
    let Some(variable) = secret_variable(feed) else {
        return Ok(Credentials::Anonymous);
    };
    let secret = match std::env::var(&variable)
        .ok()
        .filter(|value| !value.is_empty())
    {
        Some(secret) => secret,
        None => secret_from_keyring(feed, &variable)?,
    };
    Ok(match feed.auth {
        AuthKind::Bearer => Credentials::Bearer { token: secret },
        AuthKind::Basic | AuthKind::None => Credentials::Basic {
            user: feed.user.clone().unwrap_or_default(),
            password: secret,
        },
    })
}

fn secret_from_keyring(feed: &FeedConfig, variable: &str) -> Result<String, SecretError> {
    let what = if feed.auth == AuthKind::Bearer {
        "token"
    } else {
        "password"
    };
    let no_keyring = |error: keyring::Error| SecretError::NoKeyring {
        feed: feed.name.clone(),
        variable: variable.to_owned(),
        reason: error.to_string(),
    };
    let entry = keyring::Entry::new(KEYRING_SERVICE, &feed.name).map_err(no_keyring)?;
    match entry.get_password() {
        Ok(secret) => Ok(secret),
        Err(keyring::Error::NoEntry) => Err(SecretError::Missing {
            feed: feed.name.clone(),
            what,
            variable: variable.to_owned(),
        }),
        Err(error) => Err(no_keyring(error)),
    }
}
