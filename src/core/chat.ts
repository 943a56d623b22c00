/**
 * The chat domain's state: who is online under which name, and who is in
 * which room. Pure and synchronous; the server turns its answers into
 * deliveries. Errors are returned as NatterError values with stable codes.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import { checkName } from './names.ts';
import { checkRoomName, roomKey } from './rooms.ts';
import { echoInput } from './text-cut.ts';

export interface ChatUser {
  /** Identity key: case-folded, look-alike-folded name. */
  key: string;
  /** The name as shown. */
  name: string;
  /** Keys of the rooms this user is in, in join order. */
  rooms: Set<string>;
}

export interface Room {
  key: string;
  name: string;
  /** Members by user key, in join order. */
  members: Map<string, ChatUser>;
}

export class Chat {
  readonly #users = new Map<string, ChatUser>();
  readonly #rooms = new Map<string, Room>();

  get userCount(): number {
    return this.#users.size;
  }

  /** Validates a name and reserves it. */
  claimName(raw: string): ChatUser | NatterError {
    const checked = this.#checkFreeName(raw);
    if (checked instanceof NatterError) return checked;
    const user: ChatUser = { key: checked.key, name: checked.display, rooms: new Set() };
    this.#users.set(user.key, user);
    return user;
  }

  rename(user: ChatUser, raw: string): { old: string } | NatterError {
    const checked = checkName(raw);
    if (!checked.ok) return natterError(checked.code, checked.reason);
    if (checked.key !== user.key) {
      const clash = this.#checkFreeName(raw);
      if (clash instanceof NatterError) return clash;
    } else if (checked.display === user.name) {
      return natterError('name_taken', `you are already ${user.name}`);
    }
    const old = user.name;
    this.#users.delete(user.key);
    user.key = checked.key;
    user.name = checked.display;
    this.#users.set(user.key, user);
    this.#reindexMemberships(user);
    return { old };
  }

  userByKey(key: string | null): ChatUser | undefined {
    return key === null ? undefined : this.#users.get(key);
  }

  findUser(name: string): ChatUser | undefined {
    const checked = checkName(name);
    return checked.ok ? this.#users.get(checked.key) : undefined;
  }

  /** Removes the user everywhere; returns the rooms they were in (for leave notices). */
  release(user: ChatUser): Room[] {
    const left: Room[] = [];
    for (const key of [...user.rooms]) {
      const room = this.#rooms.get(key);
      if (room) {
        this.#removeMember(room, user);
        left.push(room);
      }
    }
    this.#users.delete(user.key);
    return left;
  }

  join(user: ChatUser, rawRoom: string): { room: Room; created: boolean } | NatterError {
    const checked = checkRoomName(rawRoom);
    if (!checked.ok) return natterError('room_invalid', checked.reason);
    let room = this.#rooms.get(checked.key);
    const created = room === undefined;
    if (!room) {
      room = { key: checked.key, name: checked.name, members: new Map() };
      this.#rooms.set(room.key, room);
    }
    if (room.members.has(user.key)) {
      return natterError('already_in_room', `you are already in ${room.name}`);
    }
    room.members.set(user.key, user);
    user.rooms.add(room.key);
    return { room, created };
  }

  leave(user: ChatUser, rawRoom: string): Room | NatterError {
    const room = this.roomOf(user, rawRoom);
    if (room instanceof NatterError) return room;
    this.#removeMember(room, user);
    return room;
  }

  /** The room `rawRoom` names, if the user is in it. */
  roomOf(user: ChatUser, rawRoom: string): Room | NatterError {
    const room = this.#rooms.get(roomKey(rawRoom.trim()));
    if (!room || !room.members.has(user.key)) {
      return natterError('not_in_room', `you are not in ${echoInput(rawRoom)}`);
    }
    return room;
  }

  findRoom(rawRoom: string): Room | undefined {
    return this.#rooms.get(roomKey(rawRoom.trim()));
  }

  rooms(): Room[] {
    return [...this.#rooms.values()];
  }

  #checkFreeName(raw: string): { key: string; display: string } | NatterError {
    const checked = checkName(raw);
    if (!checked.ok) return natterError(checked.code, checked.reason);
    const holder = this.#users.get(checked.key);
    if (holder) {
      const alike = holder.name === checked.display ? '' : ` (too similar to ${holder.name})`;
      return natterError('name_taken', `${checked.display} is already taken${alike}`);
    }
    return checked;
  }

  #reindexMemberships(user: ChatUser): void {
    for (const key of user.rooms) {
      const room = this.#rooms.get(key);
      if (!room) continue;
      // Rebuild to keep join order while swapping the key.
      const entries = [...room.members].filter(([, member]) => member !== user);
      room.members.clear();
      for (const [k, m] of entries) room.members.set(k, m);
      room.members.set(user.key, user);
    }
  }

  #removeMember(room: Room, user: ChatUser): void {
    room.members.delete(user.key);
    user.rooms.delete(room.key);
    // Empty rooms vanish from memory; persistent rooms come with the store.
    if (room.members.size === 0) this.#rooms.delete(room.key);
  }
}
