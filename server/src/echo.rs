//! `/echo`: every message back unchanged (text as text, binary as binary), no greeting.

use crate::connection::Connection;

/// Runs one `/echo` connection until it closes.
pub async fn echo(mut connection: Connection) {
    while let Some(message) = connection.recv().await {
        if connection.send(message).await.is_err() {
            break;
        }
    }
    connection.finish().await;
}
