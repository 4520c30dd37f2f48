//! What `kefu serve` does by itself once an hour: write yesterday's summary file if it is missing, and apply
//! the retention policy to transcripts and recordings.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::config::Config;
use crate::store::Store;

/// One round: the daily summary for the day before `now`, then retention.
pub fn run_once(store: &Store, config: &Config, now: NaiveDateTime) {
    let dir = &config.analytics.reports_dir;
    if !dir.as_os_str().is_empty()
        && let Some(yesterday) = now.date().pred_opt()
        && let Err(e) = super::report::write_daily(store, dir, yesterday)
    {
        super::metrics().error("report");
        tracing::warn!("daily summary not written: {e}");
    }
    let days = config.privacy.retention_days;
    if days > 0
        && let Err(e) = crate::privacy::retention::sweep(store, days, now)
    {
        super::metrics().error("retention");
        tracing::warn!("retention sweep failed: {e}");
    }
}

/// Runs [`run_once`] now and then every hour, off the async workers; never returns.
pub async fn every_hour(store: Store, config: Config) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let (store, config) = (store.clone(), config.clone());
        let now = chrono::Local::now().naive_local();
        if let Err(e) = tokio::task::spawn_blocking(move || run_once(&store, &config, now)).await {
            tracing::warn!("housekeeping task failed: {e}");
        }
    }
}
