/**
 * Room names: the one file that knows how a room is spelt. Everything else asks here (the push
 * targets through `TARGET_ROOMS`, logins through `identityRooms`, the Redis adapter through
 * `isUserRoom`). `/` cannot occur in uids, topics or platforms, so it separates the parts safely;
 * socket ids (20 characters of base64id) never contain `:`.
 */
import type { TargetRooms } from '../../shared/protocol';

/** Every connection of a user; with `platform`, only those on that platform. */
export const userRoom = (uid: string, platform?: string): string => (platform === undefined ? `u:${uid}` : userPlatformRoom(uid, platform));
/** A user's connections on one platform. */
export const userPlatformRoom = (uid: string, platform: string): string => `u:${uid}/${platform}`;
/** Every logged-in connection on one platform (for `all` pushes with a platform). */
export const platformRoom = (platform: string): string => `p:${platform}`;
/** Every subscriber of a topic; with `platform`, only the logged-in ones on that platform. */
export const topicRoom = (topic: string, platform?: string): string => (platform === undefined ? `t:${topic}` : topicPlatformRoom(topic, platform));
/** Logged-in subscribers of a topic on one platform. */
export const topicPlatformRoom = (topic: string, platform: string): string => `t:${topic}/${platform}`;

/** The room names push targets deliver to (shared/protocol/push-targets.ts). */
export const TARGET_ROOMS: TargetRooms = Object.freeze({ user: userRoom, topic: topicRoom, platform: platformRoom });

/** The rooms a socket logged in as `uid` on `platform` is in, whatever it subscribed to. */
export function identityRooms(uid: string, platform: string): string[] {
  return [userRoom(uid), userPlatformRoom(uid, platform), platformRoom(platform)];
}

/** Whether `room` is a user's own room (`u:<uid>`, not a per-platform one). */
export function isUserRoom(room: string): boolean {
  return room.startsWith('u:') && !room.includes('/');
}

/** Whether `room` is a topic's per-platform room (`t:<topic>/<platform>`). */
export function isTopicPlatformRoom(room: string): boolean {
  return room.startsWith('t:') && room.includes('/');
}

/** The topic of a `t:<topic>` room, or undefined for any other room. */
export function topicOfRoom(room: string): string | undefined {
  return room.startsWith('t:') && !room.includes('/') ? room.slice(2) : undefined;
}

/** Topics a socket is subscribed to, read from its rooms. */
export function subscribedTopics(rooms: ReadonlySet<string>): string[] {
  const topics: string[] = [];
  for (const room of rooms) {
    const topic = topicOfRoom(room);
    if (topic !== undefined) topics.push(topic);
  }
  return topics;
}
