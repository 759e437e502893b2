/**
 * Room names. `/` cannot occur in uids, topics or platforms, so it separates the parts safely;
 * socket ids (20 characters of base64id) never contain `:`.
 */

/** Every connection of a user. */
export const userRoom = (uid: string): string => `u:${uid}`;
/** A user's connections on one platform. */
export const userPlatformRoom = (uid: string, platform: string): string => `u:${uid}/${platform}`;
/** Every logged-in connection on one platform (for `all` pushes with a platform). */
export const platformRoom = (platform: string): string => `p:${platform}`;
/** Every subscriber of a topic. */
export const topicRoom = (topic: string): string => `t:${topic}`;
/** Logged-in subscribers of a topic on one platform. */
export const topicPlatformRoom = (topic: string, platform: string): string => `t:${topic}/${platform}`;

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
