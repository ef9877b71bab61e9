import { Component, type ReactNode } from 'react';

/** A page that throws while rendering shows what broke instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main>
        <h1>Something went wrong on this page</h1>
        <div role="alert" className="error" data-code="client.render_failed">
          {this.state.error.message}
        </div>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </main>
    );
  }
}
