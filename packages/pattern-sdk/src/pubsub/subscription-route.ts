// SubscriptionRoute: the local subscriptions of one topic filter. Ungrouped subscriptions each get every
// message; the members of a consumer group share the messages round-robin (each to one member), skipping
// a member whose buffer is full while another has room.
import type { LocalSubscription } from "./local-subscription.js";
import type { PubSubMessage } from "./pubsub-backend.js";

/** Members of one consumer group on one filter, and whose turn is next. */
interface ConsumerGroup {
  /** Members in join order. */
  members: LocalSubscription[];
  /** Index of the member whose turn is next. */
  next: number;
}

/** Every local subscription to one topic filter. */
export class SubscriptionRoute {
  private readonly solo = new Set<LocalSubscription>();
  private readonly groups = new Map<string, ConsumerGroup>();

  /** Whether no subscription is left. */
  get isEmpty(): boolean {
    return this.solo.size === 0 && this.groups.size === 0;
  }

  /** Adds a subscription, to its group when it has one. */
  add(subscription: LocalSubscription): void {
    if (subscription.group === "") {
      this.solo.add(subscription);
      return;
    }
    const group = this.groups.get(subscription.group);
    if (group) group.members.push(subscription);
    else this.groups.set(subscription.group, { members: [subscription], next: 0 });
  }

  /** Removes a subscription; a group without members is dropped. */
  remove(subscription: LocalSubscription): void {
    if (subscription.group === "") {
      this.solo.delete(subscription);
      return;
    }
    const group = this.groups.get(subscription.group);
    if (!group) return;
    const index = group.members.indexOf(subscription);
    if (index < 0) return;
    group.members.splice(index, 1);
    if (group.members.length === 0) {
      this.groups.delete(subscription.group);
      return;
    }
    if (index < group.next) group.next--;
    if (group.next >= group.members.length) group.next = 0;
  }

  /** Hands `message` to every ungrouped subscription and to one member of each group. */
  deliver(message: PubSubMessage): void {
    for (const subscription of this.solo) subscription.deliver(message);
    for (const group of this.groups.values()) takeTurn(group).deliver(message);
  }
}

/** The next member in turn that has room, or (all full) the next in turn, whose drop is then counted. */
function takeTurn(group: ConsumerGroup): LocalSubscription {
  const count = group.members.length;
  for (let step = 0; step < count; step++) {
    const index = (group.next + step) % count;
    const member = group.members[index] as LocalSubscription;
    if (member.hasRoom) {
      group.next = (index + 1) % count;
      return member;
    }
  }
  const member = group.members[group.next] as LocalSubscription;
  group.next = (group.next + 1) % count;
  return member;
}
