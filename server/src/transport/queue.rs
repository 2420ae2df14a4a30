//! A connection's send queue, between whoever queues ([`super::Outbox`], cloned by the relay
//! for each peer) and the writer task. It exists instead of tokio's unbounded mpsc channel for
//! the memory of idle peers: that channel allocates a block of 32 slots when it is made
//! (about 1.6 KiB here) and keeps it for the connection's life; this queue holds no memory
//! while it is empty, and gives back what a burst made it grow to once the writer has drained
//! it. Transport layer: imports only `transport`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::writer::Outbound;

struct Shared {
    items: Mutex<VecDeque<Outbound>>,
    /// Notified when an item is queued or the last sender is dropped (it keeps a permit
    /// when no one waits, so no wake-up is lost between a check and the wait).
    ready: Notify,
    senders: AtomicUsize,
    receiver_gone: AtomicBool,
}

/// The queuing end; cloning it adds a sender (the queue ends when the last one is dropped).
pub struct QueueSender {
    shared: Arc<Shared>,
}

/// The writer's end.
pub struct QueueReceiver {
    shared: Arc<Shared>,
}

/// A new, empty queue (nothing allocated but the two ends' shared state).
pub fn queue() -> (QueueSender, QueueReceiver) {
    let shared = Arc::new(Shared {
        items: Mutex::new(VecDeque::new()),
        ready: Notify::new(),
        senders: AtomicUsize::new(1),
        receiver_gone: AtomicBool::new(false),
    });
    let receiver = QueueReceiver {
        shared: shared.clone(),
    };
    (QueueSender { shared }, receiver)
}

impl QueueSender {
    /// Queues `item`; gives it back if the writer is gone.
    pub fn send(&self, item: Outbound) -> Result<(), Outbound> {
        if self.shared.receiver_gone.load(Ordering::Acquire) {
            return Err(item);
        }
        lock(&self.shared).push_back(item);
        self.shared.ready.notify_one();
        Ok(())
    }
}

impl Clone for QueueSender {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        QueueSender {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for QueueSender {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.ready.notify_one();
        }
    }
}

impl std::fmt::Debug for QueueSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueSender").finish_non_exhaustive()
    }
}

impl QueueReceiver {
    /// The next item without waiting, if one is queued.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        lock(&self.shared).pop_front()
    }

    /// The next item; `None` once every sender is gone and the queue is empty. Before it
    /// waits, the queue gives back its memory: an idle connection holds none.
    pub async fn recv(&mut self) -> Option<Outbound> {
        loop {
            {
                let mut items = lock(&self.shared);
                if let Some(item) = items.pop_front() {
                    return Some(item);
                }
                if items.capacity() > 0 {
                    *items = VecDeque::new();
                }
            }
            if self.shared.senders.load(Ordering::Acquire) == 0 {
                // A last item may have come just before the last sender went.
                return self.try_recv();
            }
            self.shared.ready.notified().await;
        }
    }
}

impl Drop for QueueReceiver {
    fn drop(&mut self) {
        self.shared.receiver_gone.store(true, Ordering::Release);
        // What is queued will never be written: free it now, not when the last sender goes.
        *lock(&self.shared) = VecDeque::new();
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, VecDeque<Outbound>> {
    shared.items.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ws::Message;

    fn text(n: usize) -> Outbound {
        Outbound::Message(Message::Text(n.to_string().into()))
    }

    fn number(item: Outbound) -> usize {
        match item {
            Outbound::Message(Message::Text(text)) => text.parse().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn items_come_out_in_order_and_the_end_comes_after_the_last_sender() {
        let (sender, mut receiver) = queue();
        let second = sender.clone();
        sender.send(text(1)).unwrap();
        second.send(text(2)).unwrap();
        drop(sender);
        assert_eq!(receiver.recv().await.map(number), Some(1));
        assert_eq!(receiver.try_recv().map(number), Some(2));
        let waiting = tokio::spawn(async move { receiver.recv().await.map(number) });
        tokio::task::yield_now().await;
        second.send(text(3)).unwrap();
        drop(second);
        assert_eq!(waiting.await.unwrap(), Some(3));
    }

    #[tokio::test]
    async fn an_empty_queue_holds_no_memory_once_the_writer_waits_again() {
        let (sender, mut receiver) = queue();
        for n in 0..1000 {
            sender.send(text(n)).unwrap();
        }
        assert!(lock(&receiver.shared).capacity() >= 1000);
        for n in 0..1000 {
            assert_eq!(receiver.recv().await.map(number), Some(n));
        }
        let waiting = tokio::spawn(async move {
            let next = receiver.recv().await;
            (next.is_none(), receiver)
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(lock(&sender.shared).capacity(), 0);
        drop(sender);
        let (ended, _receiver) = waiting.await.unwrap();
        assert!(ended);
    }

    #[test]
    fn sending_fails_once_the_writer_is_gone() {
        let (sender, receiver) = queue();
        drop(receiver);
        assert!(sender.send(text(1)).is_err());
    }
}
