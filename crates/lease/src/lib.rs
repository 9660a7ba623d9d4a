//! Leases with fencing tokens for work that only one replica may do at a time.
