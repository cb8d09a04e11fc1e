import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  GroupSchema,
  ItemSchema,
  NoteSchema,
  StatusSchema,
  TimestampsSchema,
  type Group,
  type Item,
  type Note,
  type Status,
  type Timestamps,
} from "../../shared/gen/statusthing/v1/types_pb.js";
import { UserSchema, type User } from "../../shared/gen/statusthing/v1/access_pb.js";
import type { GroupRecord, ItemView, NoteRecord, StatusRecord, UserRecord } from "../domain.js";

import { roleToWire } from "./access-enums.js";

/** Domain → protobuf conversions; the only place that knows both shapes. */

function toTimestamps(created: Date, updated: Date): Timestamps {
  return create(TimestampsSchema, { created: timestampFromDate(created), updated: timestampFromDate(updated) });
}

export function toStatusMessage(status: StatusRecord): Status {
  return create(StatusSchema, {
    id: status.id,
    name: status.name,
    description: status.description,
    color: status.color,
    kind: status.kind,
    timestamps: toTimestamps(status.created, status.updated),
  });
}

export function toNoteMessage(note: NoteRecord): Note {
  return create(NoteSchema, { id: note.id, text: note.text, timestamps: toTimestamps(note.created, note.updated) });
}

export function toItemMessage(item: ItemView): Item {
  return create(ItemSchema, {
    id: item.id,
    name: item.name,
    description: item.description,
    status: item.status && toStatusMessage(item.status),
    notes: item.notes?.map(toNoteMessage) ?? [],
    groupId: item.groupId ?? "",
    position: item.position ?? 0,
    timestamps: toTimestamps(item.created, item.updated),
  });
}

export function toGroupMessage(group: GroupRecord): Group {
  return create(GroupSchema, {
    id: group.id,
    name: group.name,
    description: group.description,
    position: group.position,
    collapsed: group.collapsed,
    timestamps: toTimestamps(group.created, group.updated),
  });
}

/** A user for the wire: everything but the password. */
export function toUserMessage(user: UserRecord): User {
  return create(UserSchema, {
    id: user.id,
    username: user.username,
    firstName: user.firstName,
    lastName: user.lastName,
    emailAddress: user.email,
    avatarUrl: user.avatarUrl,
    role: roleToWire(user.role),
    lastLogin: user.lastLogin && timestampFromDate(user.lastLogin),
    timestamps: toTimestamps(user.created, user.updated),
  });
}
