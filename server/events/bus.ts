import type { Logger } from '../lib/logger';
import type { PublishedEvent } from './domain-event';

export type EventHandler = (event: PublishedEvent) => void | Promise<void>;

/**
 * The in-process bus that carries committed events to subscribers. A failing subscriber is
 * logged and never affects the command that produced the event (it has already committed).
 */
export class EventBus {
  private readonly handlers = new Set<EventHandler>();

  constructor(private readonly logger: Logger) {}

  subscribe(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  publish(events: PublishedEvent[]): void {
    for (const event of events) {
      for (const handler of this.handlers) {
        try {
          const result = handler(event);
          if (result && typeof (result as Promise<void>).catch === 'function') {
            (result as Promise<void>).catch((error) => this.logger.error({ err: error, event: event.type }, 'event subscriber failed'));
          }
        } catch (error) {
          this.logger.error({ err: error, event: event.type }, 'event subscriber failed');
        }
      }
    }
  }
}
