/**
 * Desktop notifications for mentions and private messages: only once the
 * user has allowed them, and only while the tab is hidden.
 */
export async function requestNotifications(): Promise<string> {
  if (typeof Notification === 'undefined') return 'this browser has no notifications';
  if (Notification.permission === 'granted') return 'notifications are on';
  if (Notification.permission === 'denied') {
    return "notifications are blocked for this site; allow them in the browser's site settings";
  }
  const answer = await Notification.requestPermission();
  return answer === 'granted' ? 'notifications are on' : 'notifications stay off';
}

export function notificationsAllowed(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

export function notify(title: string, body: string, onClick: () => void): void {
  if (!document.hidden || !notificationsAllowed()) return;
  try {
    const n = new Notification(title, { body, tag: title });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // some platforms only allow notifications from a service worker; stay quiet
  }
}
