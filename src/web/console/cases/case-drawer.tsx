import { useQueryClient } from '@tanstack/react-query';
import { App, Descriptions, Drawer, Space, Spin, Tag, Timeline, Typography } from 'antd';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { can } from '../../../shared/roles';
import { useSession } from '../../lib/session';
import { fmt } from '../incidents/shared';

/** One line of a case's timeline, whatever the case (incident action, concern entry, referral step). */
export interface CaseEvent {
  id: number;
  at: string;
  kind: string;
  text: string;
  actor: string | null;
}

export interface CaseFact {
  label: string;
  children: ReactNode;
}

const RED = new Set(['escalated', 'reopened', 'deadline_refused', 'rejected', 'override']);
const GREEN = new Set(['verified', 'deadline_approved', 'acknowledged', 'completed', 'accepted']);
const GRAY = new Set(['closed', 'withdrawn']);

/** The colour of a timeline entry: red for what went wrong, green for what was confirmed. */
export function caseTone(kind: string): string {
  if (RED.has(kind)) return 'red';
  if (GREEN.has(kind)) return 'green';
  if (GRAY.has(kind)) return 'gray';
  if (kind === 'supervision') return 'purple';
  return 'blue';
}

/**
 * The one drawer of a case — incident, concern or referral: its status, the person (linked for those
 * who may read the file), the facts, a banner for what waits on the reader, the timeline with who and
 * when, and the actions the page puts below it.
 */
export function CaseDrawer(props: {
  title: string;
  onClose: () => void;
  /** Null while the record loads. */
  status: ReactNode | null;
  person?: { id: number; name: string; place: string };
  facts: (CaseFact | false | null | undefined)[];
  banner?: ReactNode;
  timelineTitle?: string;
  timeline: CaseEvent[];
  kindLabels?: Record<string, string>;
  children?: ReactNode;
  width?: number;
}) {
  const { me } = useSession();
  const facts = props.facts.filter((f): f is CaseFact => !!f);
  return (
    <Drawer
      open
      // Never wider than the screen (a phone at 360 px gets the whole width, not a page that scrolls sideways).
      width={Math.min(props.width ?? 580, window.innerWidth)}
      onClose={props.onClose}
      title={props.title}
    >
      {props.status === null ? (
        <Spin />
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label="状态">{props.status}</Descriptions.Item>
            {props.person && (
              <Descriptions.Item label="对象">
                {me && can(me.roles, 'persons.read') ? (
                  <Link to={`/persons/${props.person.id}`}>{props.person.name}</Link>
                ) : (
                  props.person.name
                )}
                （{props.person.place}）
              </Descriptions.Item>
            )}
            {facts.map((f) => (
              <Descriptions.Item key={f.label} label={f.label}>
                {f.children}
              </Descriptions.Item>
            ))}
          </Descriptions>
          {props.banner}
          {props.timelineTitle && <Typography.Title level={5}>{props.timelineTitle}</Typography.Title>}
          <Timeline
            items={props.timeline.map((e) => ({
              color: caseTone(e.kind),
              children: (
                <div>
                  {props.kindLabels && <Tag>{props.kindLabels[e.kind] ?? e.kind}</Tag>}
                  {e.text}
                  <div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {fmt(e.at)}
                      {e.actor ? ` · ${e.actor}` : ''}
                    </Typography.Text>
                  </div>
                </div>
              ),
            }))}
          />
          {props.children}
        </Space>
      )}
    </Drawer>
  );
}

/**
 * Runs a case action: busy while it runs, the server's message on failure, and on success a notice,
 * the record and the list reloaded, and only the text the action used cleared (`clear`).
 */
export function useCaseAction(recordKey: readonly unknown[], onChanged: () => void) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>, ok: string, clear?: (v: string) => void) => {
    setBusy(true);
    try {
      await fn();
      message.success(ok);
      clear?.('');
      qc.invalidateQueries({ queryKey: recordKey });
      onChanged();
      return true;
    } catch (e) {
      message.error((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, act };
}
