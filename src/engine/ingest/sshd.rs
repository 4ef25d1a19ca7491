//! OpenSSH (`sshd`, `sshd-session`, `sshd-auth`, `sshd(pam_unix)`) and Dropbear messages:
//! failed and accepted logins, invalid users, PAM failures, disconnects.
