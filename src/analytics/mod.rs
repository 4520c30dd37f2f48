//! Analytics
